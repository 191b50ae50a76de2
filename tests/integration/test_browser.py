"""`serve --demo` in a real browser (Debian's Chromium, headless), offline: the board
reaches the page, a key works, and the page asks nothing of any other host.

Chromium is driven over the DevTools protocol
(https://chromedevtools.github.io/devtools-protocol/): ``Network`` events list every
request the page makes and every WebSocket frame the served cockpit sends it (the
terminal's output, which xterm.js draws on a canvas, so the frames are where the
board's text can be read); ``Input.insertText`` types into the focused terminal.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import sys
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
import pytest

from tests.support.servers import Server, eventually, find_binary, free_port

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration-servers")]

INSTALL = "apt-get install chromium"


class DevTools:
    """One page's DevTools session: calls by id, events kept in arrival order."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            body = json.loads(message.data)
            if "id" in body and body["id"] in self.waiting:
                self.waiting.pop(body["id"]).set_result(body)
            elif "method" in body:
                self.events.append(body)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        self.waiting[number] = asyncio.get_running_loop().create_future()
        await self.socket.send_json({"id": number, "method": method, "params": params})
        answer = await asyncio.wait_for(self.waiting[number], 30)
        assert "error" not in answer, answer
        return answer.get("result", {})

    def requested(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ] + [e["params"]["url"] for e in self.events if e["method"] == "Network.webSocketCreated"]

    def received(self, since: int = 0) -> str:
        """The text of the WebSocket frames received after event ``since``."""
        text = []
        for event in self.events[since:]:
            if event["method"] != "Network.webSocketFrameReceived":
                continue
            frame = event["params"]["response"]
            data = frame["payloadData"]
            if frame["opcode"] == 2:
                data = base64.b64decode(data).decode("utf-8", errors="replace")
            text.append(data)
        return "".join(text)


def _started(server: Server, url: str) -> Server:
    server.start()
    server.wait_ready(url, timeout=90)
    return server


async def test_the_served_board_works_offline_in_a_real_browser(tmp_path):
    chromium = find_binary(["chromium", "chromium-browser"], INSTALL)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    port, debug = free_port(), free_port()
    page_url = f"http://127.0.0.1:{port}/"
    serve = Server(
        "serve",
        [sys.executable, "-m", "release_cockpit", "serve", "--demo", "--board", f"--port={port}"],
        cwd=tmp_path,
        env=env,
    )
    browser = Server(
        "chromium",
        [
            chromium,
            "--headless=new",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--remote-debugging-port={debug}",
            "--window-size=1600,1000",
            "about:blank",
        ],
        cwd=tmp_path,
        env=env,
    )
    try:
        await asyncio.to_thread(_started, serve, page_url)
        await asyncio.to_thread(_started, browser, f"http://127.0.0.1:{debug}/json/version")
        async with httpx.AsyncClient() as client:
            targets = (await client.get(f"http://127.0.0.1:{debug}/json/list")).json()
        (page,) = [t for t in targets if t["type"] == "page"]
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as socket,
        ):
            tools = DevTools(socket)
            await tools.call("Network.enable")
            await tools.call("Page.enable")
            await tools.call("Page.navigate", url=page_url)

            async def board_shown() -> bool:
                return "payments" in tools.received() and "FAILING" in tools.received()

            await eventually(board_shown, "the board in the page's terminal", within=90)
            before = len(tools.events)
            assert "Keys: " not in tools.received()
            # xterm.js reads keys from its helper textarea: give it the focus a click would.
            await tools.call(
                "Runtime.evaluate",
                expression="document.querySelector('.xterm-helper-textarea').focus()",
            )
            await tools.call("Input.insertText", text="?")

            async def help_shown() -> bool:
                return "Keys: " in tools.received(before)  # the key list's title

            await eventually(help_shown, "the key list after typing ?", within=30)
            tools.reader.cancel()
    finally:
        browser.stop()
        serve.stop()
    requested = tools.requested()
    assert requested, "the page made no request at all?"
    for url in requested:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            continue
        assert parts.netloc == f"127.0.0.1:{port}", url
