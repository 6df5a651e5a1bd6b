"""The names of the 7-1-7 vocabularies in people's words (message ids: pages and reports
translate them)."""

from __future__ import annotations

from epibridge.i18n import N_
from epibridge.timeliness.statuses import EarlyAction, FactorCategory

ACTION_NAMES = {
    EarlyAction.INVESTIGATION: N_("Investigation started or response team deployed"),
    EarlyAction.EPI_ANALYSIS: N_("Epidemiological analysis and initial risk assessment"),
    EarlyAction.LAB_CONFIRMATION: N_("Laboratory confirmation of the etiology"),
    EarlyAction.CASE_MANAGEMENT: N_("Case management and infection prevention and control"),
    EarlyAction.COUNTERMEASURES: N_("Public health countermeasures in communities"),
    EarlyAction.RISK_COMMUNICATION: N_("Risk communication and community engagement"),
    EarlyAction.COORDINATION: N_("Coordination mechanism established"),
}
CATEGORY_NAMES = {
    FactorCategory.HEALTH_SEEKING: N_("Health-seeking behaviour of the community"),
    FactorCategory.CLINICIAN_KNOWLEDGE: N_("Health-care worker knowledge and suspicion"),
    FactorCategory.SURVEILLANCE: N_("Surveillance and reporting"),
    FactorCategory.LABORATORY: N_("Laboratory: specimens, transport, testing"),
    FactorCategory.WORKFORCE: N_("Workforce"),
    FactorCategory.COORDINATION: N_("Coordination and leadership"),
    FactorCategory.FINANCING: N_("Financing"),
    FactorCategory.LOGISTICS: N_("Logistics and supplies"),
    FactorCategory.RISK_COMMUNICATION: N_("Risk communication and community engagement"),
    FactorCategory.DATA_SYSTEMS: N_("Information systems and data sharing"),
    FactorCategory.POLICY: N_("Plans, guidelines and legal framework"),
    FactorCategory.OTHER: N_("Other"),
}
