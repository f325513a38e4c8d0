-- Usage collection (C3–C7): browsers, usage events, partner records and their links to people.
-- Event details are sealed with the key of their owner (a browser, a person or a partner record),
-- so erasing the owner's key shreds them in every backup, as for the vault's fields.

CREATE TABLE browser (
  id            VARCHAR(40) PRIMARY KEY,
  cookie_index  VARCHAR(64) NOT NULL,
  subject_id    VARCHAR(40) REFERENCES subject (id) ON DELETE SET NULL,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT browser_cookie UNIQUE (cookie_index)
);
CREATE INDEX browser_subject ON browser (subject_id);

-- A record a partner sent about someone, known by a keyed hash of the partner's identifier (C4, C5).
CREATE TABLE partner_record (
  id          VARCHAR(40) PRIMARY KEY,
  partner     VARCHAR(64) NOT NULL,
  link_index  VARCHAR(64) NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT partner_record_index UNIQUE (partner, link_index)
);

-- A recorded processing step: this partner record is combined with this person, for a purpose (C5).
CREATE TABLE partner_link (
  id                 VARCHAR(40)  PRIMARY KEY,
  subject_id         VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  partner_record_id  VARCHAR(40)  NOT NULL REFERENCES partner_record (id) ON DELETE CASCADE,
  purpose            VARCHAR(100) NOT NULL,
  linked_by          VARCHAR(100) NOT NULL,
  created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT partner_link_once UNIQUE (subject_id, partner_record_id)
);

CREATE TABLE usage_event (
  id           VARCHAR(40)  PRIMARY KEY,
  request_id   VARCHAR(64),
  received_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  source       VARCHAR(16)  NOT NULL,
  source_name  VARCHAR(64)  NOT NULL,
  purpose      VARCHAR(100) NOT NULL,
  kind         VARCHAR(32)  NOT NULL,
  key_owner    VARCHAR(40)  NOT NULL,
  browser_id   VARCHAR(40),
  subject_id   VARCHAR(40),
  partner_record_id VARCHAR(40),
  sealed       BYTEA        NOT NULL,
  CONSTRAINT usage_event_source CHECK (source IN ('browser', 'service', 'partner'))
);
CREATE INDEX usage_event_subject ON usage_event (subject_id, received_at);
CREATE INDEX usage_event_browser ON usage_event (browser_id);
CREATE INDEX usage_event_partner_record ON usage_event (partner_record_id);
CREATE INDEX usage_event_request ON usage_event (request_id);
CREATE INDEX usage_event_received ON usage_event (received_at);
