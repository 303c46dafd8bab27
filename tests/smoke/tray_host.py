"""A fake tray host for headless tests: owns org.kde.StatusNotifierWatcher on the session bus
so the app's tray icon registers as a StatusNotifierItem, then reads the item's label and
menu and clicks menu items over com.canonical.dbusmenu, as a panel would.

Needs /usr/bin/python3 with python3-dbus-next (Debian package)."""

import asyncio

from dbus_next import Message, MessageType, Variant
from dbus_next.aio import MessageBus
from dbus_next.service import PropertyAccess, ServiceInterface, dbus_property, method, signal


class Watcher(ServiceInterface):
    def __init__(self):
        super().__init__("org.kde.StatusNotifierWatcher")
        self.items = []
        self.registered = asyncio.Event()

    @method()
    def RegisterStatusNotifierItem(self, service: "s"):  # noqa: F821 (dbus signature)
        self.items.append(service)
        self.registered.set()
        self.StatusNotifierItemRegistered(service)

    @method()
    def RegisterStatusNotifierHost(self, service: "s"):  # noqa: F821
        pass

    @signal()
    def StatusNotifierItemRegistered(self, service: "s") -> "s":  # noqa: F821
        return service

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":  # noqa: F821
        return self.items

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":  # noqa: F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":  # noqa: F821
        return 0


class Notifications(ServiceInterface):
    """org.freedesktop.Notifications that records every Notify call."""

    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
        self.received = []
        self.next_id = 0

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s",  # noqa: F821
               actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":  # noqa: F821
        self.next_id += 1
        self.received.append({"id": self.next_id, "app_name": app_name, "summary": summary, "body": body,
                              "actions": list(actions), "expire_timeout": expire_timeout})
        return self.next_id

    @method()
    def GetCapabilities(self) -> "as":  # noqa: F821
        return ["actions", "body"]

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: F821
        return ["fake-notifyd", "burnbar-tests", "1.0", "1.2"]

    @method()
    def CloseNotification(self, id: "u"):  # noqa: F821, A002
        self.NotificationClosed(id, 3)

    @signal()
    def NotificationClosed(self, id: "u", reason: "u") -> "uu":  # noqa: F821, A002
        return [id, reason]

    @signal()
    def ActionInvoked(self, id: "u", action_key: "s") -> "us":  # noqa: F821, A002
        return [id, action_key]


class Host:
    async def start(self):
        self.bus = await MessageBus().connect()
        self.watcher = Watcher()
        self.bus.export("/StatusNotifierWatcher", self.watcher)
        await self.bus.request_name("org.kde.StatusNotifierWatcher")
        self.notifications = Notifications()
        self.bus.export("/org/freedesktop/Notifications", self.notifications)
        await self.bus.request_name("org.freedesktop.Notifications")
        return self

    def reset_item(self):
        """Forget the registered item (before starting the app again)."""
        self.watcher.items.clear()
        self.watcher.registered.clear()

    async def call(self, dest, path, iface, member, signature="", body=(), timeout=10.0):
        """One method call; a peer that never answers is an error after `timeout` s, not a hang."""
        msg = Message(destination=dest, path=path, interface=iface, member=member, signature=signature, body=list(body))
        try:
            reply = await asyncio.wait_for(self.bus.call(msg), timeout)
        except asyncio.TimeoutError:
            raise RuntimeError(f"{member} on {dest} {path}: no reply in {timeout} s") from None
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
        return reply.body

    async def item(self, timeout=30.0):
        """(bus name, object path) of the registered item. appindicator registers its object
        path; the bus name is then the peer that owns it."""
        await asyncio.wait_for(self.watcher.registered.wait(), timeout)
        service = self.watcher.items[0]
        if service.startswith("/"):
            names = (await self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames"))[0]
            for name in names:
                if not name.startswith(":") or name == self.bus.unique_name:
                    continue
                try:
                    await self.prop(name, service, "Id")
                    return name, service
                except RuntimeError:
                    continue
            raise RuntimeError(f"no peer serves {service}")
        return service, "/StatusNotifierItem"

    async def prop(self, name, path, prop, iface="org.kde.StatusNotifierItem"):
        value = (await self.call(name, path, "org.freedesktop.DBus.Properties", "Get", "ss", (iface, prop)))[0]
        return value.value if isinstance(value, Variant) else value

    async def label(self, name, path):
        """The tray title: the AppIndicator label (Ayatana), else the SNI Title."""
        try:
            return await self.prop(name, path, "XAyatanaLabel")
        except RuntimeError:
            return await self.prop(name, path, "Title")

    async def menu(self, name, path):
        """[(id, label, enabled)] of the item's menu."""
        menu_path = await self.prop(name, path, "Menu")
        layout = (await self.call(name, menu_path, "com.canonical.dbusmenu", "GetLayout", "iias", (0, -1, [])))[1]
        out = []

        def walk(node):
            ident, props, children = node
            if "label" in props:
                enabled = props["enabled"].value if "enabled" in props else True
                out.append((ident, props["label"].value, enabled))
            for c in children:
                walk(c.value if isinstance(c, Variant) else c)

        walk(layout)
        return menu_path, out

    async def click(self, name, path, label):
        menu_path, items = await self.menu(name, path)
        for ident, text, _ in items:
            if text.replace("_", "") == label:
                await self.call(name, menu_path, "com.canonical.dbusmenu", "Event", "isvu", (ident, "clicked", Variant("i", 0), 0))
                return
        raise RuntimeError(f"no menu item {label!r} in {items}")
