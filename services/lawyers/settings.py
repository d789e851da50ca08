"""Lawyers service settings (env prefix `LAWYERS_`).

Practice numbers of DOMAIN.md live here as settings, so that a province with
other numbers changes configuration, not code.
"""
from pydantic_settings import SettingsConfigDict

from shared.notify.settings import NotifySettings


class LawyersSettings(NotifySettings):
    model_config = SettingsConfigDict(env_prefix="LAWYERS_", extra="ignore", populate_by_name=True)

    service_name: str = "lawyers"
    port: int = 8002
    service_client_id: str = "lawyers-service"
    service_client_secret: str = "lawyers-service-dev-secret"

    # Roster (律师名册)
    license_no_pattern: str = r"^\d{17}$"  # 执业证号: 17 digits
    public_lawyer_min_legal_work_years: int = 2  # 公职律师: at least 2 years of legal work

    # Conflicts of interest (利益冲突)
    former_client_block_years: int = 1
    former_judicial_block_years: int = 2
    waivable_relations: list[str] = ["former_client", "near_relative", "own_interest", "other"]

    # Opinion requests (法律意见)
    open_request_cap: int = 5
    opinion_kinds: list[str] = ["retained_counsel", "public_lawyer"]
    opinion_due_soon_days: int = 3

    # Duty roster (值班表) and leader reception days (领导接访日)
    duty_lawyers_per_day: int = 1
    duty_kinds: list[str] = ["public_lawyer", "retained_counsel"]
    duty_start: str = "09:00"
    duty_end: str = "17:00"
    leader_reception_day: int = 15

    # Review studio (复查复核律师工作室)
    review_panel_size: int = 2
    review_due_soon_days: int = 5

    # Reminders people receive (services/lawyers/reminder, shared/notify): days before due, comma-separated.
    remind_opinion_days: str = "3,1"   # e-mail to the assigned lawyer (if the lawyer has an e-mail)
    remind_review_days: str = "3,1"    # e-mail to each lawyer of the review's panel

    # Documents (法律意见书)
    bureau_name: str = "区信访局"              # to whom the opinions are addressed
    opinion_number_prefix: str = "法意"        # opinion numbers: （2026）法意字第0001号

    # Hours and fees (practice amounts, yuan)
    hours_warning_ratio: float = 0.8
    fee_duty_day: int = 500
    duty_fee_exempt_kinds: list[str] = ["public_lawyer"]  # 公职律师 are civil servants: no duty-day fee
    fee_written_opinion: int = 1500
    fee_case_resolution: dict[str, list[int]] = {
        "simple": [2000, 2000],
        "moderate": [5000, 6000],
        "complex": [12000, 12000],
    }
