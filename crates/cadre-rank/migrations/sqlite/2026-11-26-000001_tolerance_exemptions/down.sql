DROP TABLE tolerance_exemptions;
