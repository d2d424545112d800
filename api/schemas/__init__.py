"""What the API reads and writes, as pydantic models: the OpenAPI document is made of these.
One module per resource (organisation, links, figures, webhooks); `common` holds the base
classes and the problem body.

Inputs are typed loosely on purpose (strings, UUIDs, lists): the rules on their content
(destination URLs, aliases, names, tags) are the dashboard's own, applied by its forms and
links.services, so the messages are the same as on the dashboard.
"""
