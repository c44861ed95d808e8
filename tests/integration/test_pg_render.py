"""PostgreSQL renders 附件1's cells as the Python path does: XML escaping, control characters, ID masking."""

from __future__ import annotations

import asyncpg
import sqlalchemy as sa

from libs.common.idcard import mask_id_number
from libs.common.xlsx_stream import _text
from services.monitoring.reports import pg_render


async def test_the_database_escapes_and_masks_like_the_python_path(pg_admin_url: str) -> None:
    conn = await asyncpg.connect(pg_admin_url.replace("+asyncpg", ""))
    try:
        for value in ["a<b&c>d", "x\x0by", "蔚汾镇", "tab\tkept", ""]:
            query = sa.select(pg_render._xml_text(sa.literal(value, sa.Text)))
            assert await conn.fetchval(pg_render._sql(query)) == _text(value), value
        for number in ["141123196001010015", "1234", "12345X"]:
            query = sa.select(pg_render._masked(sa.literal(number, sa.Text)))
            assert await conn.fetchval(pg_render._sql(query)) == mask_id_number(number), number
    finally:
        await conn.close()
