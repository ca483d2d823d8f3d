#!/usr/bin/python3
"""Asks the Wayland test world's desktop portal for the screen, as an app would.

    cargo xtask world -- xtask/scripts/portal-check.py [SECONDS]

ScreenCast: CreateSession, SelectSources (a monitor), Start (no dialog: xdg-desktop-portal-wlr
runs with chooser_type=none), OpenPipeWireRemote; then shows the stream's PipeWire node as
`pw-dump` sees it, and keeps the session open for SECONDS (default 0). Screenshot: a
non-interactive screenshot; prints its URI. Exits non-zero when any step fails.

Uses the bus in $CLIPNOTE_TEST_WAYLAND_DBUS (else the session bus) and PipeWire in
$CLIPNOTE_TEST_WAYLAND_RUNTIME_DIR (else $XDG_RUNTIME_DIR). Needs python3-gi (xtask installs it).
"""
import json
import os
import subprocess
import sys
import time

from gi.repository import Gio, GLib

PORTAL = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"

address = os.environ.get("CLIPNOTE_TEST_WAYLAND_DBUS")
if address:
    bus = Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None,
        None,
    )
else:
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
sender = bus.get_unique_name()[1:].replace(".", "_")
loop = GLib.MainLoop()
tokens = iter(range(1, 1000))


def request(interface, method, args):
    """Calls a portal method that answers with a Request's Response signal; returns results."""
    token = f"clipnote{next(tokens)}"
    handle = f"{PATH}/request/{sender}/{token}"
    answer = {}

    def on_response(_conn, _sender, _path, _iface, _signal, params):
        answer["code"], answer["results"] = params.unpack()
        loop.quit()

    sub = bus.signal_subscribe(PORTAL, "org.freedesktop.portal.Request", "Response", handle,
                               None, Gio.DBusSignalFlags.NO_MATCH_RULE, on_response)
    started = time.monotonic()
    bus.call_sync(PORTAL, PATH, interface, method, args(token), None, 0, 5000, None)
    timeout = GLib.timeout_add(5000, loop.quit)
    loop.run()
    if "code" in answer:  # else the timeout fired, and its source is gone
        GLib.source_remove(timeout)
    bus.signal_unsubscribe(sub)
    ms = (time.monotonic() - started) * 1000
    print(f"{method}: response {answer.get('code')} in {ms:.1f} ms: {answer.get('results')}")
    if answer.get("code") != 0:
        sys.exit(f"{interface}.{method} failed (no response, or not 0)")
    return answer["results"]


def screencast(hold):
    cast = "org.freedesktop.portal.ScreenCast"
    s = GLib.Variant("s", "clipnotesession")
    session = request(cast, "CreateSession", lambda t: GLib.Variant(
        "(a{sv})", ({"handle_token": GLib.Variant("s", t), "session_handle_token": s},)))
    session = session["session_handle"]
    request(cast, "SelectSources", lambda t: GLib.Variant("(oa{sv})", (session, {
        "handle_token": GLib.Variant("s", t),
        "types": GLib.Variant("u", 1),  # MONITOR
        "multiple": GLib.Variant("b", False)})))
    started = request(cast, "Start", lambda t: GLib.Variant(
        "(osa{sv})", (session, "", {"handle_token": GLib.Variant("s", t)})))
    ret, fds = bus.call_with_unix_fd_list_sync(
        PORTAL, PATH, cast, "OpenPipeWireRemote", GLib.Variant("(oa{sv})", (session, {})),
        None, 0, 5000, None, None)
    print(f"OpenPipeWireRemote: fd {fds.get(ret.unpack()[0])}")
    runtime = os.environ.get("CLIPNOTE_TEST_WAYLAND_RUNTIME_DIR") or os.environ["XDG_RUNTIME_DIR"]
    dump = json.loads(subprocess.run(["pw-dump"], env={**os.environ, "XDG_RUNTIME_DIR": runtime},
                                     capture_output=True, check=True, text=True).stdout)
    nodes = {o["id"]: o.get("info", {}).get("props", {}) for o in dump
             if o.get("type") == "PipeWire:Interface:Node"}
    for node, props in started["streams"]:
        p = nodes.get(node)
        if p is None:
            sys.exit(f"stream node {node} is not in pw-dump")
        print(f"pw-dump: node {node}: node.name={p.get('node.name')} "
              f"media.class={p.get('media.class')} size={props.get('size')}")
    sys.stdout.flush()
    time.sleep(hold)


def screenshot():
    shot = request("org.freedesktop.portal.Screenshot", "Screenshot", lambda t: GLib.Variant(
        "(sa{sv})", ("", {"handle_token": GLib.Variant("s", t),
                          "interactive": GLib.Variant("b", False)})))
    print(f"Screenshot: {shot['uri']}")


screencast(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
screenshot()
