"""Mail: messages to leaders and reminders to units, the unit address book, SMTP."""
