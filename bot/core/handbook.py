"""The Incident Management Handbook's own wording, as data.

Every piece of text the bot shows about the process (role help, severity help,
comms templates, checklists, postmortem fields) comes from here, quoted from
Atlassian's handbook and condensed where long, so the wording lives in one place.

Templates are `str.format` strings with named fields:

>>> INITIAL_INTERNAL_TEMPLATE.format(products="Jira", where="#incidents")
'We are investigating an incident affecting Jira. We will provide updates via #incidents shortly.'
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Severity (chapter 2, "Assess") ---------------------------------------------


@dataclass(frozen=True)
class Severity:
    """One row of the handbook's severity table.

    `short` fits a Slack option description (75 characters); `major` defaults to
    the handbook's rule that severity 1 and 2 are major incidents.
    """

    level: int
    label: str
    short: str
    description: str
    major: bool | None = None

    def __post_init__(self) -> None:
        if self.major is None:
            object.__setattr__(self, "major", self.level in (1, 2))


SEVERITIES: dict[int, Severity] = {
    1: Severity(
        level=1,
        label="Critical",
        short="Critical, very high impact: service down for all, data loss or breach",
        description=(
            "A critical incident with very high impact. Examples: a customer-facing "
            "service is down for all customers; confidentiality or privacy is breached; "
            "customer data loss. Requires an immediate response and continuous 24/7 "
            "management through to resolution."
        ),
    ),
    2: Severity(
        level=2,
        label="Major",
        short="Major, significant impact: down for some customers, core feature hit",
        description=(
            "A major incident with significant impact. Examples: a customer-facing "
            "service is unavailable for a subset of customers; core functionality "
            "(e.g., git push, issue create) is significantly impacted. Requires an "
            "immediate response and continuous 24/7 management through to resolution."
        ),
    ),
    3: Severity(
        level=3,
        label="Minor",
        short="Minor, low impact: inconvenience with a workaround, usable slowdown",
        description=(
            "A minor incident with low impact. Examples: a minor inconvenience to "
            "customers, workaround available; usable performance degradation. Assigned "
            "to the responsible team for resolution, normally during business hours."
        ),
    ),
}

# The questions the team asks to assess severity.
ASSESS_QUESTIONS: tuple[str, ...] = (
    "What is the impact to customers (internal or external)?",
    "What are customers seeing?",
    "How many customers are affected (some or all)?",
    "When did it start?",
    "How many support cases have customers opened?",
    "Are there other factors, e.g., public attention, security, or data loss?",
)

# --- Detect: the fields of the incident issue -----------------------------------

DECLARE_SUMMARY_LABEL = "What's the emergency?"
DECLARE_IMPACT_LABEL = (
    "What's the impact on customers? Include your contact details so responders can reach you."
)
DECLARE_SEVERITY_HELP = (
    "Choosing Sev 2 or 1 means you believe this must be resolved right now - "
    "people will be paged."
)
DECLARE_FAULTY_SERVICE_HELP = (
    "The service that has the fault that's causing the incident. Take your best guess "
    'if unsure. Select "Unknown" if you have no idea.'
)
DECLARE_PRODUCTS_HELP = "Which products are affected by this incident? Select any that apply."
UNKNOWN_SERVICE = "Unknown"

# --- Workflow: Pending -> Fixing -> Resolved ------------------------------------

STATUSES: tuple[str, ...] = ("Pending", "Fixing", "Resolved")
STATUS_MEANING: dict[str, str] = {
    "Pending": "The incident has been logged but hasn't yet been assigned to an incident manager.",
    "Fixing": "An incident manager has taken the incident and it is being actively managed.",
    "Resolved": "The current or imminent business impact has ended; cleanup and postmortem follow.",
}

TIME_TO_DETECT_MEANING = "Time-to-detect (TTD): the interval between start of impact and detection."
TIME_TO_RECOVERY_MEANING = (
    "Time-to-recovery (TTR): the interval between start of impact and end of impact."
)

# --- Roles (chapter 2, "Delegate"; extra roles from the major incident page) ----


@dataclass(frozen=True)
class Role:
    """An incident role: `name` is the canonical slug used in commands."""

    name: str
    title: str
    description: str
    aliases: tuple[str, ...] = ()
    multiple: bool = False


ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role(
            name="incident-manager",
            title="Incident manager",
            aliases=("im",),
            description=(
                "Has overall responsibility and authority for the incident. During a major "
                "incident the incident manager is empowered to take any action necessary to "
                "resolve it, including paging additional responders, and keeps everyone "
                "focused on restoring service as quickly as possible. Your role is to "
                "command, take charge, bring order to chaos."
            ),
        ),
        Role(
            name="tech-lead",
            title="Tech lead",
            aliases=("tl",),
            multiple=True,
            description=(
                "A senior technical responder. Responsible for developing theories about "
                "what's broken and why, deciding on changes, and running the technical "
                "team. Works closely with the IM. There can be several tech leads when "
                "more than one stream of work is underway."
            ),
        ),
        Role(
            name="communications-manager",
            title="Communications manager",
            aliases=("comms",),
            description=(
                "A person familiar with public communications, possibly from the customer "
                "support team or public relations. Responsible for writing and sending "
                "internal and external communications about the incident."
            ),
        ),
        Role(
            name="internal-comms",
            title="Internal communications manager",
            description=(
                "Writes and sends the internal communications: named "
                "<issue key> - <severity> - <summary>, opening with a 1-2 sentence summary "
                "of the current state and impact, then Current Status and Next Steps, and "
                "when and where the next update will be. Be explicit about unknowns."
            ),
        ),
        Role(
            name="external-comms",
            title="External communications manager",
            description=(
                "Tells customers that we know something's broken and are looking into it "
                "as a matter of urgency, then keeps them updated. Keep updates short and "
                "sweet: customers just want to know if it's fixed yet and if not, when it "
                "will be. Generally 1-2 sentences will suffice."
            ),
        ),
        Role(
            name="customer-support-lead",
            title="Customer support lead",
            description=(
                "The person in charge of making sure incoming tickets, phone calls, and "
                "tweets about the incident get a timely, appropriate response. Support "
                "cases about the incident are labelled with its issue key to track the "
                "customer impact and follow up with affected customers once it is resolved."
            ),
        ),
        Role(
            name="social-media-lead",
            title="Social media lead",
            description=(
                "A social media pro in charge of communicating about the incident on "
                "social channels. Public attention is one of the factors that can change "
                "an incident's severity."
            ),
        ),
        Role(
            name="backup-im",
            title="Backup incident manager",
            description=(
                "In complicated or large incidents, another qualified incident manager "
                "acts as a backup \"sanity check\" for the IM. They can focus on specific "
                "tasks that free up the IM, such as keeping the timeline."
            ),
        ),
    )
}


def _role_key(text: str) -> str:
    # "Tech Lead", "tech_lead" and "tech-lead" all name the same role.
    return "-".join(text.strip().lower().replace("_", " ").split())


def role_named(text: str, extra: dict[str, Role] | None = None) -> Role | None:
    """The role whose name, alias or title is `text`, ignoring case.

    >>> role_named("IM").name
    'incident-manager'
    >>> role_named("scribe") is None
    True
    """
    key = _role_key(text)
    if not key:
        return None
    for role in (*ROLES.values(), *(extra or {}).values()):
        names = (role.name, *role.aliases, role.title)
        if key in {_role_key(name) for name in names}:
            return role
    return None


# --- Communications (chapter 2, "Send initial / follow-up communications") ------

# The incident name, also the email subject: <issue key> - <severity> - <summary>.
INTERNAL_NAME_TEMPLATE = "{key} - Sev {severity} - {summary}"
EXTERNAL_NAME_TEMPLATE = "Investigating issues with {products}"

# `where` replaces the handbook's "email and Statuspage" with wherever updates go.
INITIAL_INTERNAL_TEMPLATE = (
    "We are investigating an incident affecting {products}. "
    "We will provide updates via {where} shortly."
)
INITIAL_EXTERNAL_TEMPLATE = (
    "We are investigating issues with {products} and will provide updates here soon."
)

# Internal follow-ups: a 1-2 sentence summary of current state and impact, "Current
# Status" and "Next Steps" with 2-4 bullets each, when and where the next update is.
FOLLOWUP_INTERNAL_TEMPLATE = (
    "{state_and_impact}\n\n"
    "*Current status*\n{current_status}\n\n"
    "*Next steps*\n{next_steps}\n\n"
    "Next update: {next_update}"
)
# External follow-ups are "short and sweet": is it fixed yet, and if not, when.
FOLLOWUP_EXTERNAL_TEMPLATE = (
    "We are still working on the issues with {products}. {eta} "
    "We will provide another update here by {next_update}."
)

# Final comms: a recap of impact and duration that clearly says the incident is
# resolved with no further communications; externally, service restored + postmortem.
RESOLVED_INTERNAL_TEMPLATE = (
    "This incident is resolved. {impact} Impact lasted {duration}. "
    "There will be no further communications about it."
)
RESOLVED_EXTERNAL_TEMPLATE = (
    "Service has been restored for {products}. We will follow up with a postmortem."
)

ROOT_CAUSE_UNKNOWN = "The root cause is currently unknown."

# The checklist every update is reviewed against before sending.
UPDATE_CHECKLIST: tuple[str, ...] = (
    "Have we described the actual impact on customers?",
    "Did we say how many internal and external customers are affected?",
    "If the root cause is known, what is it?",
    "If there is an ETA for restoration, what is it?",
    "When & where will the next update be?",
)

# --- Major incident manager cheat sheet -------------------------------------------

INITIAL_COMMS_MINUTES = 30  # "Post Initial Communications quickly (<=30m)"
UPDATE_INTERVAL_MINUTES = 180  # "Post update communications regularly - Max 180m interval"

HANDOVER_CHECKLIST: tuple[str, ...] = (
    "Outgoing IM: a 1-1 call with the incoming IM.",
    "Who is out and in of which roles?",
    "What are the current theories and streams of work?",
    "When is the next handover expected, and to whom?",
    "Incoming IM: come up to speed first. Ask lots of questions!",
)

IM_CHEAT_SHEET: dict[str, tuple[str, ...]] = {
    "Assess": (
        "Assess severity: impact to customers, what they see, how many, since when, "
        "support tickets, other factors (public attention, data loss, security).",
        "Confirm affected products and severity.",
        f"Post initial communications quickly (<={INITIAL_COMMS_MINUTES}m), internal and external.",
    ),
    "Escalate": ("Who else do we need to resolve this? Don't hesitate to escalate.",),
    "Delegate": ("Explicitly delegate these roles: tech lead(s), internal and external comms.",),
    "Periodic tasks": (
        "Update communications. Has impact changed? Has severity changed?",
        "Record what was observed, with timestamps.",
        "Incident duration: who needs to be relieved? Plan the handover.",
    ),
    "Communicate": (
        f"Post update communications regularly: max {UPDATE_INTERVAL_MINUTES}m interval.",
        "Follow the five-point checklist.",
    ),
    "Fix": (
        "What is the observed vs expected behavior? Any changes (deploys, feature flags)?",
        "Develop theories and work to prove or disprove them.",
        "What are the streams of work, who is the tech lead for each, what are the next steps?",
        "Track changes, decisions and observations.",
    ),
    "Resolve": (
        "Confirm that service is restored.",
        "Final update of internal and external communications.",
        "Resolve the incident; set impact and detection times.",
        "Create the postmortem and get accountability for completion.",
    ),
}

# --- Postmortems (chapter 3) ------------------------------------------------------

POSTMORTEM_DUE_BUSINESS_DAYS = 5  # within 24-48 hours, "not more than five business days"


@dataclass(frozen=True)
class PostmortemField:
    key: str
    title: str
    prompt: str
    example: str


_LESSONS = (
    "What have we learned? Discuss what went well, what could have gone better, "
    "and where did we get lucky to find improvement opportunities."
)

POSTMORTEM_FIELDS: tuple[PostmortemField, ...] = (
    PostmortemField(
        "incident_summary",
        "Incident summary",
        "Summarize the incident in a few sentences. Include what the severity was, why, "
        "and how long impact lasted.",
        "Between 14:30 and 15:00 on <date>, <number> customers experienced <event symptoms>. "
        "The event was triggered by a deployment at <time>. The event was detected by "
        "<system>. We mitigated the event by <resolution actions taken>.",
    ),
    PostmortemField(
        "leadup",
        "Leadup",
        "Describe the circumstances that led to this incident, for example, prior changes "
        "that introduced latent bugs.",
        "At <time> on <date>, (<amount of time before customer impact>), a change was "
        "introduced to <product or service> to ... The change caused ...",
    ),
    PostmortemField(
        "fault",
        "Fault",
        "Describe what didn't work as expected. Attach screenshots of relevant graphs or "
        "data showing the fault.",
        "<Number> responses were incorrectly sent to X% of requests over the course of "
        "<time period>.",
    ),
    PostmortemField(
        "impact",
        "Impact",
        "Describe what internal and external customers saw during the incident. Include "
        "how many support cases were raised.",
        "For <length of time> between <time range> on <date>, <incident summary> was "
        "experienced. This affected <number> customers (X% of all <service> customers), "
        "who encountered <symptoms>. <Number of support tickets> were raised.",
    ),
    PostmortemField(
        "detection",
        "Detection",
        "How and when did we detect the incident? How could time to detection be improved? "
        "As a thought exercise, how would you have cut the time in half?",
        "The incident was detected when the <type of alert> was triggered and <team or "
        "person> were paged. They then had to page <secondary team>, delaying the response "
        "by <length of time>.",
    ),
    PostmortemField(
        "response",
        "Response",
        "Who responded, when and how? Were there any delays or barriers to our response?",
        "After being paged at 14:34 UTC, the on-call engineer came online at 14:38 in the "
        "incident chat room but lacked background on the autoscaler, so a further alert "
        "brought a senior engineer into the room at 14:58.",
    ),
    PostmortemField(
        "recovery",
        "Recovery",
        "Describe how and when service was restored. How did you reach the point where you "
        "knew how to mitigate the impact? How could time to mitigation be improved? As a "
        "thought exercise, how would you have cut the time in half?",
        "Recovery was a three-pronged response: increasing the size of the cluster, "
        "disabling the autoscaler, and reverting the scheduler to the previous version.",
    ),
    PostmortemField(
        "timeline",
        "Timeline",
        "Provide a detailed incident timeline, in chronological order, timestamped with "
        "timezone(s). Include any lead-up; start of impact; detection time; escalations, "
        "decisions, and changes; and end of impact.",
        "All times are UTC.\n14:20: Build Engineering reports a problem\n"
        "14:42: the specific node is cordoned\n16:40: customer impact resolved",
    ),
    PostmortemField(
        "five_whys",
        "Five whys",
        "Start with the impact and ask why it happened and why it had the impact it did. "
        "Continue asking why until you arrive at the root cause.",
        "1. The service went down because the database was locked\n"
        "2. Because there were too many database writes\n"
        "3. Because a change was made to the service and the increase was not expected\n"
        "4. Because we don't have a development process set up for when we should load test\n"
        "5. We've never done load testing and are hitting new levels of scale",
    ),
    PostmortemField(
        "proximate_cause",
        "Proximate cause",
        "What directly led to this incident? Proximate causes are reasons that directly led to "
        "this incident; root causes are at the optimal place in the chain of events where a "
        "change will prevent this entire class of incident.",
        "An upgrade of a dependency. Revert the upgrade.",
    ),
    PostmortemField(
        "root_cause",
        "Root cause",
        "What was the root cause? This is the thing that needs to change in order to stop "
        "this class of incident from recurring.",
        "A bug in <service> connection pool handling led to leaked connections under "
        "failure conditions, combined with lack of visibility into connection state.",
    ),
    PostmortemField(
        "backlog_check",
        "Backlog check",
        "Is there anything on your backlog that would have prevented this or greatly "
        "reduced its impact? If so, why wasn't it done?",
        "Not specifically. Tickets for fixing up integration tests have been made but "
        "haven't been successful when attempted.",
    ),
    PostmortemField(
        "recurrence",
        "Recurrence",
        "Has this incident (with the same root cause) occurred before? If so, why did it "
        "happen again?",
        "This same root cause resulted in incidents HOT-13432, HOT-14932 and HOT-19452.",
    ),
    PostmortemField(
        "went_well",
        "Lessons learned: what went well",
        _LESSONS,
        # The handbook lists lessons without sorting them; its timeline supplies this one.
        "Once run as an incident, the autoscaler was disabled and the cluster confirmed "
        "stable within ten minutes.",
    ),
    PostmortemField(
        "went_wrong",
        "Lessons learned: what could have gone better",
        _LESSONS,
        "Need a unit test to verify the rate-limiter for work has been properly maintained.",
    ),
    PostmortemField(
        "got_lucky",
        "Lessons learned: where we got lucky",
        _LESSONS,
        "Bulk operation workloads which are atypical of normal operation should be reviewed.",
    ),
    PostmortemField(
        "corrective_actions",
        "Corrective actions",
        "What are we going to do to make sure this class of incident doesn't happen again? "
        "Who will take the actions and by when?",
        "1. Unit test and re-introduction of job rate limiting\n"
        "2. Cloudwatch alert to identify a high IO problem on the ElasticSearch cluster",
    ),
)

# The handbook's incident-summary example, as a template. `mitigation` and `support` are
# whole sentences, so a known resolution ("Rolled back the deploy") still reads as English.
POSTMORTEM_SUMMARY_TEMPLATE = (
    "Between {start} and {end} ({duration}), {customers} customers experienced "
    "{symptoms}. The event was triggered by {trigger}. The event was detected by "
    "{detection}. {mitigation} This Sev {severity} incident "
    "affected {affected_share} of customers. {support}"
)
POSTMORTEM_MITIGATION_UNKNOWN = "We mitigated the event by <resolution actions taken>."
POSTMORTEM_MITIGATION_KNOWN = "We mitigated the event as follows: {resolution}."
POSTMORTEM_SUPPORT_UNKNOWN = "<Number of support tickets> were raised in relation to this incident."
# The impact field's example ends "<Number of support tickets> were raised."
POSTMORTEM_IMPACT_TEMPLATE = "{impact} {support}"

CAUSE_CATEGORIES: tuple[str, ...] = ("bug", "change", "scale", "architecture", "dependency", "unknown")
CAUSE_CATEGORY_MEANING: dict[str, str] = {
    "bug": "A change to code made by us (this is a specific type of change).",
    "change": "A change made by us (other than changes to code, which are bugs).",
    "scale": "Failure to scale (e.g., blind to resource constraints, or lack of capacity planning).",
    "architecture": "Design misalignment with operational conditions.",
    "dependency": "Third party service fault.",
    "unknown": "Indeterminable (action is to increase the ability to diagnose).",
}
CAUSE_CATEGORY_ACTION: dict[str, str] = {
    "bug": "Test. Canary. Do incremental rollouts and watch them. Use feature flags.",
    "change": "Improve the way you make changes, e.g. change reviews or change management.",
    "scale": "Monitor and alert on resource constraints; make or update a capacity plan.",
    "architecture": "Review your design. Do you need to change platforms?",
    "dependency": "Manage the risk of third party fault: accept it, or build mitigations.",
    "unknown": "Improve observability by adding logging, monitoring, debugging.",
}

# "Root causes with external dependencies": the service level expectation (SLE) of the
# external service in this incident, and what the handbook says to do about each.
EXTERNAL_DEPENDENCY_OUTCOMES: tuple[str, ...] = ("exceeded", "met", "none")
EXTERNAL_DEPENDENCY_MEANING: dict[str, str] = {
    "exceeded": "Exceeded: the external service performed worse than we expected it to.",
    "met": "Met: the external service performed as expected, but we were impacted anyways.",
    "none": "None: we don't really have an expectation!",
}
EXTERNAL_DEPENDENCY_CONSEQUENCE: dict[str, str] = {
    "exceeded": (
        "Get and review their postmortem. We may determine that they've correctly identified and "
        "mitigated the causes of the incident, in which case we're done. Alternatively, we may need "
        "to adjust our expectations downward, and find ways to increase our resilience to external "
        "failures in line with our reduced expectations. Finally, if our newly-adjusted expectations "
        "aren't acceptable, then we need to resolve the disconnect somehow, for example by changing "
        "service providers."
    ),
    "met": (
        "Increase our resilience to failures of this type. The external service behaved as expected, "
        "so we should either be resilient to that or accept the risk and plan for occasional outages."
    ),
    "none": (
        "The person responsible for the use of the 3rd party dependency needs to establish an SLE and "
        "share it with teams so they know what level of resilience they need to build into their "
        "dependent services."
    ),
}

# --- Postmortem meetings ------------------------------------------------------------

POSTMORTEM_MEETING_AGENDA: tuple[str, ...] = (
    "Remind the team that all postmortems need to be blameless, and why.",
    "Walk through the timeline of events. Add or change it as needed.",
    "Present your theory of the incident's causes, and where you think mitigations could best be "
    "applied to prevent this class of incident in the future. Discuss and build a shared understanding.",
    "Generate actions using \"open thinking\" (\"What could we do to prevent this class of incident?\"), "
    "not \"closed thinking\" (\"Why weren't we monitoring system x?\").",
    "Ask the team \"What went well / What could have gone better / Where did we get lucky?\"",
    "Wrap up by thanking everyone for their time and input.",
)
POSTMORTEM_MEETING_INVITATION = (
    "Please join me for a blameless postmortem of {link}, where we {summary}.\n\n"
    "The goal of a postmortem is to maximize the value of an incident by understanding all contributing "
    "causes, documenting the incident for future reference and pattern discovery, and enacting effective "
    "preventative actions to reduce the likelihood or impact of recurrence.\n\n"
    "In this meeting we'll review the incident, determine its significant causes and decide on actions to "
    "mitigate them.\n\n"
    "A good postmortem meeting will generate lots of mitigations and other actions. This is good, but often "
    "postmortem meetings are a poor context for significant prioritization decisions because you don't have "
    "the right context (for example, the rest of the backlog and other planned work that will compete for "
    "time).\n\n"
    "For this reason, it's usually more effective in practice to follow up with the responsible managers "
    "after the meeting to get firmer, time-bound commitments to the actions that you identified in the "
    "meeting, and then note that on the postmortem issue."
)

# --- Postmortem actions -----------------------------------------------------------

ACTION_KINDS: tuple[str, ...] = ("priority", "improvement")
ACTION_KIND_MEANING: dict[str, str] = {
    "priority": "Priority action: a significant mitigation that fixes the root cause.",
    "improvement": "Improvement action: any other action coming out of the postmortem.",
}
PRIORITY_ACTION_SLO_WEEKS: tuple[int, ...] = (4, 8)  # "either 4 or 8 weeks, depending on the service"


@dataclass(frozen=True)
class ActionAdvice:
    quality: str
    advice: str
    bad: str
    good: str


ACTION_ADVICE: tuple[ActionAdvice, ...] = (
    ActionAdvice(
        "Actionable",
        "Phrase each action as a sentence starting with a verb. The action should result "
        "in a useful outcome, not a process.",
        "Investigate monitoring for this scenario.",
        "Add alerting for all cases where this service returns >1% errors.",
    ),
    ActionAdvice(
        "Specific",
        "Define each action's scope as narrowly as possible, making clear what is and what "
        "is not included in the work.",
        "Fix the issue that caused the outage.",
        "Handle invalid postal code in user address form input safely.",
    ),
    ActionAdvice(
        "Bounded",
        "Word each action to indicate how to tell when it is finished, as opposed to "
        "leaving the action open-ended or ongoing.",
        "Make sure engineer checks that database schema can be parsed before updating.",
        "Add automated pre-submit check for schema changes.",
    ),
)

# The six action categories (Lueder and Beyer, as the handbook uses them): command word -> title.
ACTION_CATEGORIES: dict[str, str] = {
    "investigate": "Investigate this incident",
    "mitigate-incident": "Mitigate this incident",
    "repair-damage": "Repair damage from this incident",
    "detect-future": "Detect future incidents",
    "mitigate-future": "Mitigate future incidents",
    "prevent-future": "Prevent future incidents",
}
# "'Mitigate future incidents' and 'Prevent future incidents' are your most likely source of
# actions that address the root cause. Be sure to get at least one of these."
ROOT_CAUSE_ACTION_CATEGORIES: tuple[str, ...] = ("mitigate-future", "prevent-future")

# Questions that make a postmortem cover both short- and long-term fixes.
ACTION_QUESTIONS: dict[str, str] = {
    "Investigate this incident": "What happened to cause this incident and why?",
    "Mitigate this incident": "What immediate actions did we take to resolve and manage this event?",
    "Repair damage from this incident": "How did we resolve immediate or collateral damage?",
    "Detect future incidents": "How can we decrease the time to accurately detect a similar failure?",
    "Mitigate future incidents": "How can we decrease the severity and/or duration of future incidents like this?",
    "Prevent future incidents": "How can we prevent a recurrence of this sort of failure?",
}
