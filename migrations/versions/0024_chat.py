"""chat

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 10:05:00

Reviewed, hand-written. Chat (issue 20): three new tables, nothing existing changed.
conversation is one per order and topic (the buyer with the shop, the buyer with the courier)
or one per demand and shop, with the id of its latest message for the lists (indexed per buyer
and per shop); chat_message holds the messages (words, a quick reply's message id, or a photo's
private upload name), indexed by conversation and id for catch-up after a reconnect and by
sender and time for the per-user rate limit; chat_read is each participant's read mark.
Messages are kept as the record an after-sales case shows. Downgrade drops the three tables
(and with them every conversation).
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'conversation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=20), nullable=False),
        sa.Column('buyer_id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('demand_id', sa.Integer(), nullable=True),
        sa.Column('last_message_id', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['buyer_id'], ['user.id']),
        sa.ForeignKeyConstraint(['demand_id'], ['demand.id']),
        sa.ForeignKeyConstraint(['order_id'], ['order.id']),
        sa.ForeignKeyConstraint(['shop_id'], ['shop.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('demand_id', 'shop_id'),
        sa.UniqueConstraint('order_id', 'topic'),
    )
    op.create_index('ix_conversation_buyer_last', 'conversation', ['buyer_id', 'last_message_id'])
    op.create_index('ix_conversation_shop_last', 'conversation', ['shop_id', 'last_message_id'])
    op.create_table(
        'chat_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.String(length=500), nullable=False),
        sa.Column('quick', sa.String(length=40), nullable=True),
        sa.Column('photo', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id']),
        sa.ForeignKeyConstraint(['sender_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_chat_message_conversation_id', 'chat_message', ['conversation_id', 'id'])
    op.create_index('ix_chat_message_sender_at', 'chat_message', ['sender_id', 'created_at'])
    op.create_table(
        'chat_read',
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_read_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('conversation_id', 'user_id'),
    )


def downgrade():
    op.drop_table('chat_read')
    op.drop_index('ix_chat_message_sender_at', table_name='chat_message')
    op.drop_index('ix_chat_message_conversation_id', table_name='chat_message')
    op.drop_table('chat_message')
    op.drop_index('ix_conversation_shop_last', table_name='conversation')
    op.drop_index('ix_conversation_buyer_last', table_name='conversation')
    op.drop_table('conversation')
