CREATE SCHEMA marketing;

CREATE TABLE marketing.campaign (
    campaign_id   bigint PRIMARY KEY,
    name          text NOT NULL,
    started_on    date NOT NULL,
    ended_on      date
);

CREATE TABLE marketing.touch (
    customer_id   bigint NOT NULL,
    campaign_id   bigint NOT NULL REFERENCES marketing.campaign (campaign_id),
    touched_at    timestamptz NOT NULL,
    channel       text NOT NULL
);
