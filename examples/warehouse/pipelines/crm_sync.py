"""Push churn candidates to the CRM (drafted by an AI assistant)."""

import httpx
import requests
from crm_bulk_sync import BulkUploader

CRM_URL = "https://crm.example.com/api/contacts"


def push(rows: list[dict[str, object]]) -> None:
    httpx.post_json(CRM_URL, json=rows, timeout=10)
    requests.post(CRM_URL, json=rows)
    BulkUploader(CRM_URL).upload(rows)
