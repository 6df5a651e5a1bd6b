"""The closed vocabularies of 7-1-7 timeliness: early response actions, bottleneck categories.

The seven early response actions are the 7-1-7 approach's own list (7-1-7 Alliance digital
toolkit, step 2.2.4). The categories of bottlenecks and enablers are epibridge's own grouping:
the Alliance's category sheet was not found (docs/timeliness.md says what was, with sources).
"""

from __future__ import annotations

from enum import StrEnum


class EarlyAction(StrEnum):
    """The seven early response actions, in the toolkit's order."""

    INVESTIGATION = "investigation"  # initiate investigation or deploy a response team
    EPI_ANALYSIS = "epi_analysis"  # epidemiological analysis and initial risk assessment
    LAB_CONFIRMATION = "lab_confirmation"  # laboratory confirmation of the etiology
    CASE_MANAGEMENT = "case_management"  # case management and IPC in health facilities
    COUNTERMEASURES = "countermeasures"  # public health countermeasures in communities
    RISK_COMMUNICATION = "risk_communication"  # risk communication, community engagement
    COORDINATION = "coordination"  # establish a coordination mechanism


class ActionOutcome(StrEnum):
    """What became of one early response action: done on a day, or judged not applicable."""

    COMPLETED = "completed"
    NOT_NEEDED = "not_needed"


class Interval(StrEnum):
    """The three intervals of 7-1-7 (a bottleneck or an enabler is recorded against one)."""

    DETECT = "detect"
    NOTIFY = "notify"
    RESPOND = "respond"


class FactorKind(StrEnum):
    """A bottleneck slowed an interval down; an enabler made it fast."""

    BOTTLENECK = "bottleneck"
    ENABLER = "enabler"


class FactorCategory(StrEnum):
    """Categories of bottlenecks and enablers (epibridge's grouping, not a published list)."""

    HEALTH_SEEKING = "health_seeking"  # community health-seeking behaviour, awareness
    CLINICIAN_KNOWLEDGE = "clinician_knowledge"  # health-care worker knowledge, suspicion
    SURVEILLANCE = "surveillance"  # surveillance and reporting systems, case definitions
    LABORATORY = "laboratory"  # specimen collection, transport, testing, results
    WORKFORCE = "workforce"  # staff numbers, training, availability
    COORDINATION = "coordination"  # coordination and leadership, between sectors and levels
    FINANCING = "financing"  # funds available and released in time
    LOGISTICS = "logistics"  # supplies, transport, equipment
    RISK_COMMUNICATION = "risk_communication"  # risk communication, community engagement
    DATA_SYSTEMS = "data_systems"  # information systems, data sharing, connectivity
    POLICY = "policy"  # plans, guidelines, legal and policy framework
    OTHER = "other"
