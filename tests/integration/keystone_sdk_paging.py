"""An openstacksdk client paging through keypairs at microversion 2.35: it creates 25 keypairs,
then lists them 10 at a time following `limit` and `marker` (as keypairs_links says), checks it
saw each exactly once in name order, and deletes them. Credentials come from the OS_*
environment variables; the compute endpoint from Keystone's catalog."""

import sys

import openstack
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def main():
    conn = openstack.connect()  # the "envvars" cloud
    names = [f"page-{i:02d}" for i in range(25)]
    for name in names:
        key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
        conn.compute.create_keypair(name=name, public_key=key)
    seen, pages, marker = [], 0, None
    while True:
        params = {"limit": 10}
        if marker:
            params["marker"] = marker
        response = conn.compute.get("/os-keypairs", params=params, microversion="2.35")
        response.raise_for_status()
        body = response.json()
        page = [k["keypair"]["name"] for k in body["keypairs"]]
        pages += 1
        seen += page
        links = body.get("keypairs_links")
        if not links:
            break
        assert links[0]["rel"] == "next", links
        marker = page[-1]
        assert f"marker={marker}" in links[0]["href"], links
    if seen != names:
        print(f"paging returned {seen}, expected {names}")
        return 1
    for name in names:
        conn.compute.delete_keypair(name)
    assert list(conn.compute.keypairs()) == []
    print(f"paged through {len(seen)} keypairs in {pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
