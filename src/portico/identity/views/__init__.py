"""Views of Portico ID, by audience: verification (sign-up), mfa, profile, staff, webhooks."""
