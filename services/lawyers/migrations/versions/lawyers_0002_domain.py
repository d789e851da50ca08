"""The lawyers domain: roster, conflicts, opinion requests and opinions, duty roster,
reception assists, review studio, hours and fees.

Revision ID: lawyers_0002
Revises: lawyers_0001
"""
import sqlalchemy as sa
from alembic import op

from shared.db import JSONType, UTCDateTime

revision = "lawyers_0002"
down_revision = "lawyers_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    roster_state = op.create_table(
        "roster_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_state")),
    )
    op.bulk_insert(roster_state, [{"id": 1, "token": "initial"}])
    op.create_table('assignment_decision',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('at', UTCDateTime, nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('chosen_id', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('skipped', JSONType, nullable=False),
    sa.Column('conflicts', JSONType, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_decision')),
    )
    op.create_index('ix_assignment_decision_request', 'assignment_decision', ['request_id', 'at'], unique=False)
    op.create_table('conflict_entry',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('party_name', sa.String(length=200), nullable=False),
    sa.Column('party_key', sa.String(length=200), nullable=False),
    sa.Column('relation', sa.String(length=32), nullable=False),
    sa.Column('matter', sa.String(length=500), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_entry')),
    )
    op.create_index('ix_conflict_entry_lawyer_id', 'conflict_entry', ['lawyer_id'], unique=False)
    op.create_index('ix_conflict_entry_party_key', 'conflict_entry', ['party_key'], unique=False)
    op.create_table('conflict_waiver',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('conflict_id', sa.String(length=32), nullable=False),
    sa.Column('consent_ref', sa.String(length=200), nullable=False),
    sa.Column('signed_by', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_waiver')),
    )
    op.create_index('ix_conflict_waiver_conflict_id', 'conflict_waiver', ['conflict_id'], unique=False)
    op.create_table('duty_shift',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('place', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_shift')),
    sa.UniqueConstraint('day', 'lawyer_id', name='uq_duty_shift_day_lawyer'),
    sa.UniqueConstraint('day', 'slot', name='uq_duty_shift_day_slot'),
    )
    op.create_index('ix_duty_shift_lawyer_day', 'duty_shift', ['lawyer_id', 'day'], unique=False)
    op.create_table('fee_entry',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=True),
    sa.Column('ref_id', sa.String(length=64), nullable=True),
    sa.Column('difficulty', sa.String(length=16), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_entry')),
    sa.UniqueConstraint('kind', 'ref_id', name='uq_fee_entry_kind_ref'),
    )
    op.create_index('ix_fee_entry_lawyer_day', 'fee_entry', ['lawyer_id', 'day'], unique=False)
    op.create_table('hours_warning',
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('sent_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('lawyer_id', 'year', name=op.f('pk_hours_warning')),
    )
    op.create_table('lawyer',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('license_no', sa.String(length=64), nullable=False),
    sa.Column('firm', sa.String(length=200), nullable=False),
    sa.Column('specialties', JSONType, nullable=False),
    sa.Column('languages', JSONType, nullable=False),
    sa.Column('login', sa.String(length=100), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('qualification', JSONType, nullable=False),
    sa.Column('open_requests', sa.Integer(), nullable=False),
    sa.Column('last_assigned_at', UTCDateTime, nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lawyer')),
    sa.UniqueConstraint('license_no', name=op.f('uq_lawyer_license_no')),
    sa.UniqueConstraint('login', name=op.f('uq_lawyer_login')),
    )
    op.create_index(op.f('ix_lawyer_kind'), 'lawyer', ['kind'], unique=False)
    op.create_table('lawyer_contract',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('annual_hours', sa.Float(), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lawyer_contract')),
    )
    op.create_index('ix_lawyer_contract_window', 'lawyer_contract', ['lawyer_id', 'start', 'end'], unique=False)
    op.create_table('lawyer_leave',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lawyer_leave')),
    )
    op.create_index('ix_lawyer_leave_window', 'lawyer_leave', ['lawyer_id', 'start', 'end'], unique=False)
    op.create_table('legal_opinion',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('review_id', sa.String(length=32), nullable=True),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('petitioner_request', sa.Text(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('analysis', sa.Text(), nullable=False),
    sa.Column('legality', sa.String(length=32), nullable=False),
    sa.Column('recommended_channel', sa.String(length=48), nullable=False),
    sa.Column('legal_basis', JSONType, nullable=False),
    sa.Column('amends_id', sa.String(length=32), nullable=True),
    sa.Column('amendment_reason', sa.String(length=1000), nullable=False),
    sa.Column('filed_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_opinion')),
    sa.UniqueConstraint('request_id', 'version', name='uq_legal_opinion_request_version'),
    sa.UniqueConstraint('review_id', 'version', name='uq_legal_opinion_review_version'),
    )
    op.create_index('ix_legal_opinion_case_no', 'legal_opinion', ['case_no'], unique=False)
    op.create_table('opinion_request',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('parties', JSONType, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.String(length=32), nullable=True),
    sa.Column('assigned_at', UTCDateTime, nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_soon_at', UTCDateTime, nullable=True),
    sa.Column('overdue_at', UTCDateTime, nullable=True),
    sa.Column('declined_by', JSONType, nullable=False),
    sa.Column('handoff_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('answered_at', UTCDateTime, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_request')),
    )
    op.create_index('ix_opinion_request_assignee', 'opinion_request', ['assignee_id', 'status'], unique=False)
    op.create_index('ix_opinion_request_case_no', 'opinion_request', ['case_no'], unique=False)
    op.create_index('ix_opinion_request_created', 'opinion_request', ['created_at', 'id'], unique=False)
    op.create_index('ix_opinion_request_status_due', 'opinion_request', ['status', 'due_on'], unique=False)
    op.create_table('reception_assist',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('leader', sa.String(length=100), nullable=False),
    sa.Column('start', UTCDateTime, nullable=False),
    sa.Column('end', UTCDateTime, nullable=False),
    sa.Column('topic', sa.String(length=500), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=True),
    sa.Column('handoff_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_assist')),
    )
    op.create_index('ix_reception_assist_lawyer', 'reception_assist', ['lawyer_id', 'start'], unique=False)
    op.create_index('ix_reception_assist_leader', 'reception_assist', ['leader', 'start'], unique=False)
    op.create_table('reception_day',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('leader', sa.String(length=100), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_day')),
    )
    op.create_index('ix_reception_day_day', 'reception_day', ['day'], unique=False)
    op.create_table('review_hearing',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('review_id', sa.String(length=32), nullable=False),
    sa.Column('start', UTCDateTime, nullable=False),
    sa.Column('end', UTCDateTime, nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_hearing')),
    )
    op.create_index('ix_review_hearing_review', 'review_hearing', ['review_id', 'start'], unique=False)
    op.create_table('review_matter',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('hearing_days', sa.Integer(), nullable=False),
    sa.Column('parties', JSONType, nullable=False),
    sa.Column('summary', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('panel_complete', sa.Boolean(), nullable=False),
    sa.Column('due_soon_at', UTCDateTime, nullable=True),
    sa.Column('overdue_at', UTCDateTime, nullable=True),
    sa.Column('decided_at', UTCDateTime, nullable=True),
    sa.Column('handoff_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_matter')),
    )
    op.create_index('ix_review_matter_case_no', 'review_matter', ['case_no'], unique=False)
    op.create_index('ix_review_matter_status_due', 'review_matter', ['status', 'due_on'], unique=False)
    op.create_index('uq_review_matter_re_examination', 'review_matter', ['case_no'], unique=True, sqlite_where=sa.text("kind = 're_examination'"), postgresql_where=sa.text("kind = 're_examination'"))
    op.create_table('review_panel_member',
    sa.Column('review_id', sa.String(length=32), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('assigned_at', UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint('review_id', 'lawyer_id', name=op.f('pk_review_panel_member')),
    )
    op.create_index('ix_review_panel_member_lawyer', 'review_panel_member', ['lawyer_id'], unique=False)
    op.create_table('time_entry',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('lawyer_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=True),
    sa.Column('activity', sa.String(length=500), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_entry')),
    )
    op.create_index('ix_time_entry_lawyer_day', 'time_entry', ['lawyer_id', 'day'], unique=False)


def downgrade() -> None:
    op.drop_table("roster_state")
    op.drop_index('ix_time_entry_lawyer_day', table_name='time_entry')
    op.drop_table('time_entry')
    op.drop_index('ix_review_panel_member_lawyer', table_name='review_panel_member')
    op.drop_table('review_panel_member')
    op.drop_index('uq_review_matter_re_examination', table_name='review_matter', sqlite_where=sa.text("kind = 're_examination'"), postgresql_where=sa.text("kind = 're_examination'"))
    op.drop_index('ix_review_matter_status_due', table_name='review_matter')
    op.drop_index('ix_review_matter_case_no', table_name='review_matter')
    op.drop_table('review_matter')
    op.drop_index('ix_review_hearing_review', table_name='review_hearing')
    op.drop_table('review_hearing')
    op.drop_index('ix_reception_day_day', table_name='reception_day')
    op.drop_table('reception_day')
    op.drop_index('ix_reception_assist_leader', table_name='reception_assist')
    op.drop_index('ix_reception_assist_lawyer', table_name='reception_assist')
    op.drop_table('reception_assist')
    op.drop_index('ix_opinion_request_status_due', table_name='opinion_request')
    op.drop_index('ix_opinion_request_created', table_name='opinion_request')
    op.drop_index('ix_opinion_request_case_no', table_name='opinion_request')
    op.drop_index('ix_opinion_request_assignee', table_name='opinion_request')
    op.drop_table('opinion_request')
    op.drop_index('ix_legal_opinion_case_no', table_name='legal_opinion')
    op.drop_table('legal_opinion')
    op.drop_index('ix_lawyer_leave_window', table_name='lawyer_leave')
    op.drop_table('lawyer_leave')
    op.drop_index('ix_lawyer_contract_window', table_name='lawyer_contract')
    op.drop_table('lawyer_contract')
    op.drop_index(op.f('ix_lawyer_kind'), table_name='lawyer')
    op.drop_table('lawyer')
    op.drop_table('hours_warning')
    op.drop_index('ix_fee_entry_lawyer_day', table_name='fee_entry')
    op.drop_table('fee_entry')
    op.drop_index('ix_duty_shift_lawyer_day', table_name='duty_shift')
    op.drop_table('duty_shift')
    op.drop_index('ix_conflict_waiver_conflict_id', table_name='conflict_waiver')
    op.drop_table('conflict_waiver')
    op.drop_index('ix_conflict_entry_party_key', table_name='conflict_entry')
    op.drop_index('ix_conflict_entry_lawyer_id', table_name='conflict_entry')
    op.drop_table('conflict_entry')
    op.drop_index('ix_assignment_decision_request', table_name='assignment_decision')
    op.drop_table('assignment_decision')
