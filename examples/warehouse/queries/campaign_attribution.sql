-- Last touch before the first order, per customer.
CREATE TEMP TABLE first_order AS
SELECT customer_id, min(ordered_at) AS first_ordered_at
FROM orders
GROUP BY customer_id;

SELECT f.customer_id, t.campaign_id, cmp.name AS campaign
FROM first_order f
CROSS JOIN LATERAL (
    SELECT mt.campaign_id
    FROM marketing.touch mt
    WHERE mt.customer_id = f.customer_id AND mt.touched_at < f.first_ordered_at
    ORDER BY mt.touched_at DESC
    LIMIT 1
) t
JOIN marketing.campaign cmp ON cmp.campaign_id = t.campaign_id;
