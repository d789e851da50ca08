"""Sign-in (登录) and sign-out (退出).

The password goes to the gateway's token endpoint (password grant, client
`console`); the token stays in the server-side session, the browser gets an
opaque `HttpOnly` cookie. The sign-in form's CSRF token is a double-submit
cookie (there is no session yet).
"""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.console.gateway_api import ApiUnavailable, SignInThrottled, forwarded_for, token_claims
from services.console.web import FormPerson, render, url

router = APIRouter()
LOGIN_CSRF_COOKIE = "console_login_csrf"


def _safe_next(request: Request, value: str | None) -> str:
    """Only a path inside the console (never another site, never `//host`)."""
    home = url(request, "/")
    base = request.app.state.settings.base_path
    if not value or value.startswith("//") or "\\" in value:
        return home
    if not (value == base or value.startswith(base + "/")):
        return home
    if value.startswith((url(request, "/login"), url(request, "/logout"))):
        return home
    return value


def _login_page(request: Request, *, status_code: int = 200, error: str = "", username: str = "",
                next_url: str = "", info: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", status_code=status_code, error=error, username=username,
                  next_url=next_url, login_csrf=token, info=info)
    settings = request.app.state.settings
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=settings.secure_cookies,
                    path=settings.base_path)
    return resp


@router.get("/login")
async def login_form(request: Request, next: str = ""):
    info = "您已退出。" if request.query_params.get("bye") else ""
    if request.query_params.get("next") and not info:
        info = "请先登录（会话已结束或尚未登录）。"
    return _login_page(request, next_url=_safe_next(request, next), info=info)


@router.post("/login")
async def login(request: Request):
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    next_url = _safe_next(request, str(form.get("next") or ""))
    sent, cookie = form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie or not secrets.compare_digest(sent, cookie):
        return _login_page(request, status_code=403, error="登录表单已过期，请重新输入。", username=username,
                           next_url=next_url)
    if not username or not password:
        return _login_page(request, status_code=422, error="请输入用户名和密码。", username=username,
                           next_url=next_url)
    try:
        answer = await request.app.state.api.sign_in(username, password, forwarded_for(request.scope))
    except SignInThrottled as e:
        return _login_page(request, status_code=429, error=f"登录失败次数过多，请在 {e.retry_after} 秒后重试。",
                           username=username, next_url=next_url)
    except ApiUnavailable:
        return _login_page(request, status_code=503, error="系统暂时无法访问，请稍后再试。", username=username,
                           next_url=next_url)
    if answer is None:
        return _login_page(request, status_code=401, error="用户名或密码错误", username=username, next_url=next_url)
    claims = token_claims(answer["access_token"])
    roles = claims.get("roles") or answer.get("scope", "").split()
    settings = request.app.state.settings
    session = request.app.state.sessions.create(username, claims.get("name") or username, roles,
                                                answer["access_token"], float(answer.get("expires_in", 3600)))
    resp = Response(status_code=303, headers={"Location": next_url})
    resp.set_cookie(settings.cookie_name, session.sid, httponly=True, samesite="lax",
                    secure=settings.secure_cookies, path=settings.base_path)
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path=settings.base_path)
    return resp


@router.post("/logout")
async def logout(request: Request, person: FormPerson):
    settings = request.app.state.settings
    request.app.state.sessions.end(person.sid)
    resp = Response(status_code=303, headers={"Location": url(request, "/login") + "?bye=1"})
    resp.delete_cookie(settings.cookie_name, path=settings.base_path)
    return resp
