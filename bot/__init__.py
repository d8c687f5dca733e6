"""incident-bot: runs major incidents the way Atlassian's Incident Management Handbook describes."""
