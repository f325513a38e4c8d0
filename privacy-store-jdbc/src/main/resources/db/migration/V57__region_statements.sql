-- The signed statements of requests forwarded by another region's node (issue 18), as accepted once: a
-- statement is good for 30 seconds, and within them its request id is refused a second time by every node
-- of the region, which share this table. A row is kept until the statement could no longer be accepted
-- anyway; it names the forwarding region and a random id of the forwarding, never a person.
CREATE TABLE region_statement (
  region      VARCHAR(64) NOT NULL,
  request     VARCHAR(64) NOT NULL,
  expires_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (region, request)
);

CREATE INDEX region_statement_expiry ON region_statement (expires_at);
