"""The one live-updates endpoint, `/ws/v1/`.

Everyone receives their own events (`notification.created`, `signal.status`); members of a team
receive that team's queue events (`signal.routed`, `signal.claimed`, `signal.updated`). Permission
is checked before joining any group.
"""
from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.live import team_queue_group, user_group

CLOSE_UNAUTHENTICATED = 4401


@database_sync_to_async
def _team_ids(user: Any) -> set[int]:
    from backend.people.models import Membership, Role, Team

    if user.role == Role.ADMIN:
        return set(Team.objects.values_list("pk", flat=True))
    return set(Membership.objects.filter(user=user).values_list("team_id", flat=True))


class LiveConsumer(AsyncJsonWebsocketConsumer):
    groups: list[str] = []

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            # Accept first: only an accepted websocket can carry our own close code.
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.allowed_teams = await _team_ids(user)
        self.joined: set[str] = set()
        await self._join(user_group(user.pk))
        for team_id in sorted(self.allowed_teams):
            await self._join(team_queue_group(team_id))
        await self.send_json({"type": "welcome", "user": user.pk, "queues": sorted(self.allowed_teams)})

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        # Channels' own receive raises on a frame that is not JSON text, which drops the socket
        # without a close frame; a client's bad frame gets an error frame and the socket stays open.
        try:
            content = await self.decode_json(text_data) if text_data is not None else None
        except ValueError:
            content = None
        if content is None:
            await self.send_json({"type": "error", "code": "malformed_message",
                                  "message": "Send one JSON object per text frame."})
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind in ("subscribe", "unsubscribe"):
            queue = content.get("queue")
            if not isinstance(queue, int) or queue not in self.allowed_teams:
                await self.send_json({"type": "error", "code": "not_found", "message": "No such queue."})
                return
            group = team_queue_group(queue)
            if kind == "subscribe":
                await self._join(group)
            else:
                await self.channel_layer.group_discard(group, self.channel_name)
                self.joined.discard(group)
            await self.send_json({"type": f"{kind}d", "queue": queue})
        else:
            await self.send_json({"type": "error", "code": "unknown_message", "message": "Unknown message type."})

    async def _forward(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": event["type"], "data": event.get("payload", {})})

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The person was deactivated, changed their password or logged out everywhere
        (`notifications.services.live_sessions_end`): their tokens are already refused."""
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def queues_changed(self, event: dict[str, Any]) -> None:
        """The person's teams changed (`notifications.services.live_queues_changed`): follow the
        queues they may see now, leave the ones they may not, and say which these are. Membership
        is re-read from the database, never taken from the event."""
        allowed = await _team_ids(self.user)
        for team_id in sorted(self.allowed_teams - allowed):
            group = team_queue_group(team_id)
            await self.channel_layer.group_discard(group, self.channel_name)
            self.joined.discard(group)
        for team_id in sorted(allowed - self.allowed_teams):
            await self._join(team_queue_group(team_id))
        self.allowed_teams = allowed
        await self.send_json({"type": "queues.changed", "data": {"queues": sorted(allowed)}})

    # Channels maps the dotted event type "signal.routed" to the method signal_routed.
    signal_routed = _forward
    signal_claimed = _forward
    signal_updated = _forward
    signal_status = _forward
    notification_created = _forward
