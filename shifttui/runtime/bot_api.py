"""The three Telegram Bot API methods the bridge uses (getMe, getUpdates, sendMessage), over
httpx2, which the agent SDK already loads in the process that runs the bridge.

Every failure is a BotApiError: one sentence that never contains the bot token (the token is
part of every URL, and an HTTP library's errors like to quote URLs)."""

from __future__ import annotations

from typing import Any

import httpx2

from shifttui.base.config import TelegramSettings

# Telegram's own limit for one message's text.
MESSAGE_MAX = 4096
# On top of the long poll: how long getUpdates may take before the server is called silent.
POLL_GRACE_S = 15.0
SEND_TIMEOUT_S = 20.0


class BotApiError(Exception):
    """`retry`: worth trying again (network, 5xx, 429, a bad token being fixed); False when
    the request itself is wrong and would fail again (400 for that message)."""

    def __init__(self, message: str, *, retry: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after


class BotApi:
    def __init__(self, settings: TelegramSettings,
                 client: httpx2.AsyncClient | None = None) -> None:
        self._token = settings.bot_token.get_secret_value()
        self._base = settings.api_base
        self._client = client or httpx2.AsyncClient()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe", {}, timeout_s=SEND_TIMEOUT_S)
        return result if isinstance(result, dict) else {}

    async def get_updates(self, offset: int | None, poll_s: float) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"timeout": int(poll_s), "allowed_updates": ["message"]}
        if offset is not None:
            params["offset"] = offset
        result = await self.call("getUpdates", params, timeout_s=poll_s + POLL_GRACE_S)
        return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []

    async def send_message(self, chat_id: int, text: str, *,
                           reply_to: int | None = None) -> dict[str, Any]:
        if len(text) > MESSAGE_MAX:
            text = text[: MESSAGE_MAX - 2] + " …"
        params: dict[str, Any] = {"chat_id": chat_id, "text": text,
                                  "link_preview_options": {"is_disabled": True}}
        if reply_to is not None:
            # A reply to a message that is gone is still sent, as a plain message.
            params["reply_parameters"] = {"message_id": reply_to,
                                          "allow_sending_without_reply": True}
        result = await self.call("sendMessage", params, timeout_s=SEND_TIMEOUT_S)
        return result if isinstance(result, dict) else {}

    async def call(self, method: str, params: dict[str, Any], *, timeout_s: float) -> Any:
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            response = await self._client.post(url, json=params, timeout=timeout_s)
        except httpx2.TimeoutException:
            raise BotApiError(f"{method}: {self._base} did not answer within "
                              f"{timeout_s:g} s") from None
        except httpx2.HTTPError as exc:
            raise BotApiError(f"{method}: cannot reach {self._base} "
                              f"({self._clean(str(exc)) or type(exc).__name__})") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise BotApiError(f"{method}: {self._base} answered HTTP {response.status_code} "
                              "without a Bot API reply")
        if data.get("ok") is True:
            return data.get("result")
        code = int(data.get("error_code") or response.status_code)
        description = self._clean(str(data.get("description") or "no description"))
        if code in (401, 404):
            raise BotApiError(f"{method}: the bot token was refused ({code} {description}); "
                              "check [telegram] bot_token")
        if code == 429:
            after = (data.get("parameters") or {}).get("retry_after")
            raise BotApiError(f"{method}: rate limited ({description})",
                              retry_after=float(after) if after else None)
        if code == 409:
            raise BotApiError(f"{method}: another program polls this bot ({description})")
        raise BotApiError(f"{method}: {code} {description}", retry=code >= 500)

    def _clean(self, text: str) -> str:
        return text.replace(self._token, "<token>")
