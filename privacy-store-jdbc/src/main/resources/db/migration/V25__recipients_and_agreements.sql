-- The registry of recipients and their agreements (C25). The policy declares the kinds of recipient;
-- the privacy officer registers the live ones here. An agreement is never updated: each change is a
-- new version (recipient, version), and every version stays. Lists are comma-separated names.
CREATE TABLE recipient (
  id             VARCHAR(64)  PRIMARY KEY,
  kind           VARCHAR(64)  NOT NULL,
  name           VARCHAR(200) NOT NULL,
  contact        VARCHAR(320),
  policy_version INT          NOT NULL,
  registered_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  registered_by  VARCHAR(100) NOT NULL
);
CREATE TABLE recipient_agreement (
  recipient_id    VARCHAR(64)   NOT NULL,
  version         INT           NOT NULL,
  categories      VARCHAR(2000) NOT NULL,
  purposes        VARCHAR(1000) NOT NULL,
  starts_on       DATE          NOT NULL,
  ends_on         DATE          NOT NULL,
  our_signatory   VARCHAR(200)  NOT NULL,
  their_signatory VARCHAR(200)  NOT NULL,
  confidentiality VARCHAR(2000) NOT NULL,
  security        VARCHAR(2000) NOT NULL,
  data_centres    VARCHAR(1000) NOT NULL,
  recorded_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  recorded_by     VARCHAR(100)  NOT NULL,
  PRIMARY KEY (recipient_id, version)
);
