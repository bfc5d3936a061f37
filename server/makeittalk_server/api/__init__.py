"""The HTTP layer: `routes` (thin router), `protocol` (shapes in the OpenAPI schema), `uploads`
(multipart reading with limits), `handlers` (errors and middleware). The work is in `serving`."""
