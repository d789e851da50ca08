"""Mediation domain: rooms, mediators, sessions, claims (no double booking), agreements, case files.

On PostgreSQL, `resource_claim` carries an exclusion constraint (btree_gist): no two claims of one
resource (room, mediator, party) overlap in time. SQLite relies on BEGIN IMMEDIATE (see session/claims.py).

Revision ID: mediation_0002
Revises: mediation_0001
"""
from alembic import op
import sqlalchemy as sa

from shared.db import JSONType, UTCDateTime

revision = 'mediation_0002'
down_revision = 'mediation_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_intake',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('handoff_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('parties', JSONType, nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reason_code', sa.String(length=64), nullable=True),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('received_at', UTCDateTime, nullable=False),
    sa.Column('completed_at', UTCDateTime, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_intake')),
    sa.UniqueConstraint('handoff_id', name=op.f('uq_case_intake_handoff_id')),
    )
    op.create_index('ix_case_intake_case_no', 'case_intake', ['case_no'])
    op.create_index('ix_case_intake_status', 'case_intake', ['status'])

    op.create_table('attached_opinion',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('opinion', JSONType, nullable=False),
    sa.Column('filed_at', UTCDateTime, nullable=False),
    sa.Column('received_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attached_opinion')),
    sa.UniqueConstraint('event_id', name=op.f('uq_attached_opinion_event_id')),
    )
    op.create_index('ix_attached_opinion_case_no', 'attached_opinion', ['case_no'])

    op.create_table('mediator',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('languages', JSONType, nullable=False),
    sa.Column('user', sa.String(length=100), nullable=True),
    sa.Column('working_hours', JSONType, nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediator')),
    sa.UniqueConstraint('user', name=op.f('uq_mediator_user')),
    )
    op.create_table('room',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('features', JSONType, nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room')),
    )
    op.create_table('mediation_session',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('starts_at', UTCDateTime, nullable=False),
    sa.Column('ends_at', UTCDateTime, nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('lawyer_id', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('updated_at', UTCDateTime, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', UTCDateTime, nullable=True),
    sa.Column('concluded_at', UTCDateTime, nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('reschedule_reason', sa.String(length=500), nullable=True),
    sa.Column('routes_told', JSONType, nullable=True),
    sa.Column('legal_opinion_question', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_mediation_session_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_session')),
    )
    op.create_index('ix_mediation_session_case_no', 'mediation_session', ['case_no'])
    op.create_index('ix_mediation_session_room_start', 'mediation_session', ['room_id', 'starts_at'])
    op.create_index('ix_mediation_session_start', 'mediation_session', ['starts_at'])

    op.create_table('mediator_leave',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('mediator_id', sa.String(length=32), nullable=False),
    sa.Column('starts_at', UTCDateTime, nullable=False),
    sa.Column('ends_at', UTCDateTime, nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['mediator_id'], ['mediator.id'], name=op.f('fk_mediator_leave_mediator_id_mediator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediator_leave')),
    )
    op.create_index('ix_mediator_leave_mediator_start', 'mediator_leave', ['mediator_id', 'starts_at'])

    op.create_table('mediator_relation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('mediator_id', sa.String(length=32), nullable=False),
    sa.Column('party_name', sa.String(length=200), nullable=False),
    sa.Column('relation', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['mediator_id'], ['mediator.id'], name=op.f('fk_mediator_relation_mediator_id_mediator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediator_relation')),
    )
    op.create_index('ix_mediator_relation_party', 'mediator_relation', ['party_name'])

    op.create_table('room_closure',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('room_id', sa.String(length=32), nullable=False),
    sa.Column('starts_at', UTCDateTime, nullable=False),
    sa.Column('ends_at', UTCDateTime, nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_closure_room_id_room'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_closure')),
    )
    op.create_index('ix_room_closure_room_start', 'room_closure', ['room_id', 'starts_at'])

    op.create_table('agreement',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('terms', JSONType, nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('responsibilities', sa.Text(), nullable=False),
    sa.Column('performance_method', sa.Text(), nullable=False),
    sa.Column('performance_due', sa.Date(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('judicial_confirmation_deadline', sa.Date(), nullable=False),
    sa.Column('followup_on', sa.Date(), nullable=False),
    sa.Column('followup_notified_at', UTCDateTime, nullable=True),
    sa.Column('judicial_warned_at', UTCDateTime, nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_session.id'], name=op.f('fk_agreement_session_id_mediation_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('session_id', name=op.f('uq_agreement_session_id')),
    )
    op.create_index('ix_agreement_case_no', 'agreement', ['case_no'])
    op.create_index('ix_agreement_followup', 'agreement', ['followup_on'])
    op.create_index('ix_agreement_jc_deadline', 'agreement', ['judicial_confirmation_deadline'])

    op.create_table('resource_claim',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('resource_kind', sa.String(length=16), nullable=False),
    sa.Column('resource_key', sa.String(length=240), nullable=False),
    sa.Column('starts_at', UTCDateTime, nullable=False),
    sa.Column('ends_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_session.id'], name=op.f('fk_resource_claim_session_id_mediation_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_claim')),
    )
    op.create_index('ix_resource_claim_lookup', 'resource_claim', ['resource_kind', 'resource_key', 'starts_at'])
    op.create_index('ix_resource_claim_session', 'resource_claim', ['session_id'])
    op.create_index('ix_resource_claim_start', 'resource_claim', ['starts_at', 'resource_kind', 'resource_key',
                                                                  'ends_at'])

    op.create_table('satisfaction',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('party_name', sa.String(length=200), nullable=False),
    sa.Column('party_key', sa.String(length=240), nullable=False),
    sa.Column('rating', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_session.id'], name=op.f('fk_satisfaction_session_id_mediation_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction')),
    sa.UniqueConstraint('session_id', 'party_key', name='uq_satisfaction_session_party'),
    )
    op.create_index('ix_satisfaction_case_no', 'satisfaction', ['case_no'])

    op.create_table('session_mediator',
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('mediator_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['mediator_id'], ['mediator.id'], name=op.f('fk_session_mediator_mediator_id_mediator')),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_session.id'], name=op.f('fk_session_mediator_session_id_mediation_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'mediator_id', name=op.f('pk_session_mediator')),
    )
    op.create_index('ix_session_mediator_mediator', 'session_mediator', ['mediator_id'])

    op.create_table('session_party',
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('party_key', sa.String(length=240), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_session.id'], name=op.f('fk_session_party_session_id_mediation_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'position', name=op.f('pk_session_party')),
    )
    op.create_index('ix_session_party_key', 'session_party', ['party_key'])

    op.create_table('session_reminder',
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('lead_hours', sa.Integer(), nullable=False),
    sa.Column('due_at', UTCDateTime, nullable=False),
    sa.Column('sent_at', UTCDateTime, nullable=True),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_session.id'], name=op.f('fk_session_reminder_session_id_mediation_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'lead_hours', name=op.f('pk_session_reminder')),
    )
    op.create_index('ix_session_reminder_due', 'session_reminder', ['sent_at', 'due_at'])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE resource_claim ADD CONSTRAINT ex_resource_claim_no_overlap "
            "EXCLUDE USING gist (resource_kind WITH =, resource_key WITH =, "
            "tstzrange(starts_at, ends_at, '[)') WITH &&)"
        )
        op.execute("ALTER TABLE resource_claim ADD CONSTRAINT ck_resource_claim_ordered "
                   "CHECK (ends_at > starts_at)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE resource_claim DROP CONSTRAINT IF EXISTS ck_resource_claim_ordered")
        op.execute("ALTER TABLE resource_claim DROP CONSTRAINT IF EXISTS ex_resource_claim_no_overlap")
    op.drop_index('ix_session_reminder_due', table_name='session_reminder')
    op.drop_table('session_reminder')
    op.drop_index('ix_session_party_key', table_name='session_party')
    op.drop_table('session_party')
    op.drop_index('ix_session_mediator_mediator', table_name='session_mediator')
    op.drop_table('session_mediator')
    op.drop_index('ix_satisfaction_case_no', table_name='satisfaction')
    op.drop_table('satisfaction')
    op.drop_index('ix_resource_claim_start', table_name='resource_claim')
    op.drop_index('ix_resource_claim_session', table_name='resource_claim')
    op.drop_index('ix_resource_claim_lookup', table_name='resource_claim')
    op.drop_table('resource_claim')
    op.drop_index('ix_agreement_jc_deadline', table_name='agreement')
    op.drop_index('ix_agreement_followup', table_name='agreement')
    op.drop_index('ix_agreement_case_no', table_name='agreement')
    op.drop_table('agreement')
    op.drop_index('ix_room_closure_room_start', table_name='room_closure')
    op.drop_table('room_closure')
    op.drop_index('ix_mediator_relation_party', table_name='mediator_relation')
    op.drop_table('mediator_relation')
    op.drop_index('ix_mediator_leave_mediator_start', table_name='mediator_leave')
    op.drop_table('mediator_leave')
    op.drop_index('ix_mediation_session_start', table_name='mediation_session')
    op.drop_index('ix_mediation_session_room_start', table_name='mediation_session')
    op.drop_index('ix_mediation_session_case_no', table_name='mediation_session')
    op.drop_table('mediation_session')
    op.drop_table('room')
    op.drop_table('mediator')
    op.drop_index('ix_attached_opinion_case_no', table_name='attached_opinion')
    op.drop_table('attached_opinion')
    op.drop_index('ix_case_intake_status', table_name='case_intake')
    op.drop_index('ix_case_intake_case_no', table_name='case_intake')
    op.drop_table('case_intake')
