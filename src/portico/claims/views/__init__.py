"""Views of the Claims Online Portal (provider side: portal.py; back office: staff.py)."""
