-- Orders and what they contain.
CREATE SCHEMA sales;

CREATE TABLE sales.orders (
    order_id      bigint PRIMARY KEY,
    customer_id   bigint NOT NULL REFERENCES core.customer (customer_id),
    ordered_at    timestamptz NOT NULL,
    status        text NOT NULL,
    shipping_address_id bigint REFERENCES core.address (address_id)
);
COMMENT ON COLUMN sales.orders.ordered_at IS 'When the customer placed the order (UTC)';

CREATE TABLE sales.order_line (
    order_id      bigint NOT NULL REFERENCES sales.orders (order_id),
    line_no       int NOT NULL,
    product_id    bigint NOT NULL REFERENCES core.product (product_id),
    quantity      int NOT NULL,
    unit_price    numeric(12, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE sales.refund (
    refund_id     bigint PRIMARY KEY,
    order_id      bigint NOT NULL REFERENCES sales.orders (order_id),
    refunded_at   timestamptz NOT NULL,
    amount        numeric(12, 2) NOT NULL
);

ALTER TABLE sales.orders ADD COLUMN channel text;

-- Revenue per order after refunds; the reports read this view.
CREATE VIEW sales.order_revenue AS
SELECT o.order_id,
       o.customer_id,
       o.ordered_at,
       sum(l.quantity * l.unit_price) - coalesce(max(r.amount), 0) AS revenue
FROM sales.orders o
JOIN sales.order_line l ON l.order_id = o.order_id
LEFT JOIN sales.refund r ON r.order_id = o.order_id
GROUP BY o.order_id, o.customer_id, o.ordered_at;
