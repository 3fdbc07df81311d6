-- Written by an AI assistant from a prompt; it looks right but does not fit this warehouse.
SELECT c.customer_name,
       c.email,
       o.order_date,
       NVL(o.total_amount, 0) AS total
FROM customers c
JOIN orders o ON o.customer_id = c.id
WHERE o.order_date > DATEADD(day, -90, now())
  AND o.status = 'shipped';

SELECT c.full_name, c.signup_date, count(o.order_id) AS orders
FROM core.customer c
LEFT JOIN sales.orders o ON o.customer_id = c.customer_id
GROUP BY c.full_name, c.signup_date;

SELECT customer_id, sum(revenue) AS lifetime_value
FROM order_revenue r
JOIN sales.orders o ON o.order_id = r.order_id
GROUP BY customer_id;
