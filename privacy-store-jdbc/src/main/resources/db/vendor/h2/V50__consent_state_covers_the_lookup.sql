-- PostgreSQL's V50 makes consent_state's primary key cover the engine's lookup (INCLUDE columns). H2 has no
-- included columns and reads each row behind a secondary index whatever it holds, so its primary key stays as
-- it is (the lookup probes it already); the statistics are refreshed for the planner.
ANALYZE TABLE consent_state;
