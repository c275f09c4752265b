"""The add-on's deployment descriptor, and `linedesk addon descriptor --base-url URL` that prints it.

Deploy it with `gcloud workspace-add-ons deployments create linedesk --deployment-file=deployment.json` and
install it for the domain. The triggers point at this app's /addon endpoints; `SYSTEM_ID_TOKEN` makes Google
sign every call with the add-on's service account (checked by app/addon/auth.py); the scopes let the add-on
see the opened message's ids and the user's email (for their ID token).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import click

SCOPES = (
    "https://www.googleapis.com/auth/gmail.addons.execute",
    "https://www.googleapis.com/auth/gmail.addons.current.message.readonly",
    "https://www.googleapis.com/auth/userinfo.email",
    "openid",
)


def descriptor(base_url: str, name: str = "Linedesk") -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "oauthScopes": list(SCOPES),
        "addOns": {
            "common": {
                "name": name,
                "logoUrl": f"{base}/desk/static/logo.png",
                "homepageTrigger": {"runFunction": f"{base}/addon/homepage"},
            },
            "gmail": {
                "contextualTriggers": [{"unconditional": {}, "onTriggerFunction": f"{base}/addon/contextual"}],
            },
            "httpOptions": {"authorizationHeader": "SYSTEM_ID_TOKEN"},
        },
    }


@click.group("addon", help="The Gmail add-on (sidebar).")
def addon_group() -> None:
    pass


@addon_group.command("descriptor", help="Print the add-on's deployment descriptor (JSON) for the app at --base-url.")
@click.option("--base-url", required=True, help="Where Google reaches this app, e.g. https://linedesk.example.com")
@click.option("--name", default="Linedesk", show_default=True, help="The add-on's name in Gmail.")
def descriptor_command(base_url: str, name: str) -> None:
    parsed = urlparse(base_url)
    if parsed.scheme != "https" and parsed.hostname not in ("localhost", "127.0.0.1"):
        raise click.ClickException(f"--base-url must be an https URL Google can reach, got {base_url!r}")
    if not parsed.netloc:
        raise click.ClickException(f"--base-url must be a full URL such as https://linedesk.example.com, got {base_url!r}")
    click.echo(json.dumps(descriptor(base_url, name), indent=2))
