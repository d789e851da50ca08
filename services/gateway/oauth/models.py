"""Machine clients and people who may obtain tokens; secrets stored as argon2 hashes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, String
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime

OWNER = {"info": {"owner": "gateway"}}


class OAuthClient(SQLModel, table=True):
    """A machine client (client credentials), e.g. the provincial petition system (省一体化信访系统)."""

    __tablename__ = "oauth_client"
    __table_args__ = (OWNER,)

    client_id: str = Field(sa_column=Column(String(100), primary_key=True))
    secret_hash: str = Field(sa_column=Column(String(200), nullable=False))
    name: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class UserAccount(SQLModel, table=True):
    """A person who signs in to the console: coordinator, mediator (调解员), lawyer, auditor."""

    __tablename__ = "user_account"
    __table_args__ = (OWNER,)

    username: str = Field(sa_column=Column(String(100), primary_key=True))
    password_hash: str = Field(sa_column=Column(String(200), nullable=False))
    display_name: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class RevokedSubject(SQLModel, table=True):
    """A revoked subject (a user name or a client id): its tokens issued at or before `revoked_at` are refused
    (oauth/revocation.py)."""

    __tablename__ = "revoked_subject"
    __table_args__ = (OWNER,)

    subject: str = Field(sa_column=Column(String(200), primary_key=True))
    revoked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    reason: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
