"""The OpenAPI schema tells the truth: every error answer has the one `Error` body, and each
operation lists the statuses the server can really give it, with the codes each can carry.

`AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) completes each operation from what the
view is: authentication (401), CSRF-checked session writes (403), path ids and pagination
(404), parameters and bodies (400, 415), throttles (429 + Retry-After) and, everywhere, the
outage answers (503 + Retry-After, api/outage.py). The codes come from api/error_codes.py.
`postprocess` (a SPECTACULAR postprocessing hook) adds the plain Django endpoints (health and
the iCal feeds), the servers, the tags' descriptions and the links between operations.

The modules: `errors` (the `Error` body, its codes, an error response), `operations` (names,
summaries, tags and codes by operation), `autoschema`, `plain` (the plain Django endpoints) and
`hooks` (`postprocess`).
"""

from api.schema.autoschema import AutoSchema
from api.schema.hooks import postprocess

__all__ = ["AutoSchema", "postprocess"]
