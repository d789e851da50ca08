"""After the agreement: signatures on the written agreement, 司法确认 applications, follow-up visits (回访).

Revision ID: mediation_0010
Revises: mediation_0002
"""
from alembic import op
import sqlalchemy as sa

from shared.db import UTCDateTime

revision = 'mediation_0010'
down_revision = 'mediation_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreement_signature',
    sa.Column('agreement_id', sa.String(length=32), nullable=False),
    sa.Column('party_position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('party_name', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'],
                            name=op.f('fk_agreement_signature_agreement_id_agreement')),
    sa.PrimaryKeyConstraint('agreement_id', 'party_position', name=op.f('pk_agreement_signature')),
    )
    op.create_table('judicial_confirmation',
    sa.Column('agreement_id', sa.String(length=32), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('court', sa.String(length=200), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'],
                            name=op.f('fk_judicial_confirmation_agreement_id_agreement')),
    sa.PrimaryKeyConstraint('agreement_id', name=op.f('pk_judicial_confirmation')),
    )
    op.create_table('followup_visit',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('agreement_id', sa.String(length=32), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('performance', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'],
                            name=op.f('fk_followup_visit_agreement_id_agreement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_visit')),
    )
    op.create_index('ix_followup_visit_agreement', 'followup_visit', ['agreement_id', 'visited_on'])


def downgrade() -> None:
    op.drop_index('ix_followup_visit_agreement', table_name='followup_visit')
    op.drop_table('followup_visit')
    op.drop_table('judicial_confirmation')
    op.drop_table('agreement_signature')
