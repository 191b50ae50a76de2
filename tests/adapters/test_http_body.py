"""Answer bodies: the size cap and JSON decoding (adapters/http_body.py), through the client."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from release_cockpit.adapters import http_body
from release_cockpit.adapters.http import HttpClient
from release_cockpit.errors import BadResponse
from tests.support.adapters import TOKEN, Backend, make_settings


@pytest.fixture
async def client(backend: Backend):
    made = HttpClient(
        make_settings("prometheus", name="prom", url="https://prom.test/base"),
        headers={"Authorization": f"Bearer {TOKEN}"},
        transport=backend.transport,
    )
    yield made
    await made.aclose()


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Sign in</body></html>",
        b'{"status": "success", "data": {"resu',
        b"\x00\x01binary",
    ],
)
async def test_a_body_that_is_not_json_is_a_bad_response(client, backend, body):
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(200, content=body, headers={"Content-Type": "application/json"}),
    )
    with pytest.raises(BadResponse, match="not valid JSON") as caught:
        await client.get_json("/q")
    assert "\x00" not in caught.value.message


async def test_a_body_over_the_size_cap_is_refused(client, backend, monkeypatch):
    monkeypatch.setattr(http_body, "MAX_BODY_BYTES", 64)
    backend.on("GET", "/base/q", httpx.Response(200, json={"x": "y" * 100}))
    with pytest.raises(BadResponse, match="more than"):
        await client.get_json("/q")


async def test_a_gzip_body_is_decoded_once(client, backend):
    packed = gzip.compress(json.dumps({"compressed": True}).encode())
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(200, content=packed, headers={"Content-Encoding": "gzip"}),
    )
    assert (await client.get_json("/q")).data == {"compressed": True}


async def test_the_size_cap_is_an_option_named_in_the_error(backend):
    settings = make_settings("prometheus", name="prom", url="https://prom.test", max_response_mib=1)
    client = HttpClient(settings, transport=backend.transport)
    backend.on("GET", "/big", httpx.Response(200, content=b"[" + b"1," * (1 << 20) + b"1]"))
    try:
        with pytest.raises(BadResponse) as caught:
            await client.get_json("/big")
    finally:
        await client.aclose()
    assert "more than 1 MiB" in caught.value.message
    assert "backends.prom.max_response_mib" in caught.value.hint


async def test_lone_surrogates_in_json_become_replacement_characters(client, backend):
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(200, content=b'{"n\\ud800": ["a\\udfffb", "\\ud83d\\ude00"]}'),
    )
    data = (await client.get_json("/q")).data
    assert data == {"n\ufffd": ["a\ufffdb", "\U0001f600"]}


@pytest.mark.parametrize(
    "raw",
    [
        b'{"items": [{"a": 1.5, "b": null, "c": "\\u00e9"}]}',
        b'{"big": 1180591620717411303424}',  # past 64 bits: orjson refuses, json reads it
        b'{"lone": "\\ud800x"}',  # a lone surrogate: json reads it, made valid after
        b'{"a": 1, "a": 2}',  # a repeated key: the last one wins in both
        '{"utf16": true}'.encode("utf-16"),
    ],
)
def test_the_fast_decoder_answers_as_json_does(raw):
    response = httpx.Response(200, content=raw)
    expected = http_body.valid_payload(json.loads(raw))
    assert http_body.decode_json("b", response) == expected


def test_a_body_neither_decoder_reads_is_a_clear_error():
    with pytest.raises(BadResponse, match="not valid JSON"):
        http_body.decode_json("b", httpx.Response(200, content=b"<html>login</html>"))


async def _pieces(*chunks: bytes):
    for chunk in chunks:
        yield chunk


async def test_split_lines_gives_each_line_when_its_newline_arrives():
    chunks = _pieces(b'{"a":', b'1}\n\n{"b"', b":2}\n", b'{"c":3}')
    lines = [line async for line in http_body.split_lines(chunks, 100, "k8s", "/pods")]
    assert lines == [b'{"a":1}', b'{"b":2}', b'{"c":3}']


async def test_split_lines_refuses_a_line_longer_than_the_cap():
    chunks = _pieces(b"x" * 60, b"y" * 60)
    with pytest.raises(BadResponse, match="a line longer than 100 bytes"):
        [line async for line in http_body.split_lines(chunks, 100, "k8s", "/pods")]
