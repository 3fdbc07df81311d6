-- Correct queries: domain-lsp reports nothing here.
WITH monthly AS (
    SELECT date_trunc('month', r.ordered_at) AS month,
           c.country_code,
           sum(r.revenue) AS revenue
    FROM order_revenue r
    JOIN customer c USING (customer_id)
    WHERE c.is_active
    GROUP BY 1, 2
)
SELECT month,
       country_code,
       revenue,
       revenue - lag(revenue) OVER (PARTITION BY country_code ORDER BY month) AS change
FROM monthly
ORDER BY month, country_code;

SELECT p.category, count(DISTINCT o.customer_id) AS buyers
FROM orders o
JOIN order_line l ON l.order_id = o.order_id
JOIN product p ON p.product_id = l.product_id
WHERE o.ordered_at >= now() - INTERVAL '90 days'
  AND EXISTS (SELECT 1 FROM refund f WHERE f.order_id = o.order_id)
GROUP BY p.category
HAVING count(*) > 10;
