-- Run once by the postgres image on an empty data volume: one database per service,
-- since no service reads another's tables. Owned by POSTGRES_USER (safetynet).
CREATE DATABASE safetynet_enrollment;
CREATE DATABASE safetynet_monitoring;
CREATE DATABASE safetynet_referral;
CREATE DATABASE safetynet_assistance;
