"""What follows an agreement: parties' signatures (签字), 司法确认 applications and follow-up visits (回访)."""
