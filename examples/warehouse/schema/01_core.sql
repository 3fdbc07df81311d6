-- Shared reference data: customers, addresses, products.
CREATE SCHEMA core;

CREATE TABLE core.customer (
    customer_id   bigint PRIMARY KEY,
    full_name     text NOT NULL,
    email         text UNIQUE,
    country_code  char(2),
    created_at    timestamptz NOT NULL DEFAULT now(),
    is_active     boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE core.customer IS 'One row per customer account, including closed ones';
COMMENT ON COLUMN core.customer.full_name IS 'Name as entered at sign-up';

CREATE TABLE core.address (
    address_id    bigint PRIMARY KEY,
    customer_id   bigint NOT NULL REFERENCES core.customer (customer_id),
    line1         text NOT NULL,
    city          text NOT NULL,
    postal_code   text,
    country_code  char(2) NOT NULL
);

CREATE TABLE core.product (
    product_id    bigint PRIMARY KEY,
    sku           text NOT NULL UNIQUE,
    title         text NOT NULL,
    category      text,
    list_price    numeric(12, 2) NOT NULL
);
COMMENT ON COLUMN core.product.list_price IS 'Price in EUR before discounts';
