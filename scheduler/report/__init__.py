"""The county policy report: community targets, 走教, coverage and rotation, from dated occurrences.

`report_input` gathers the dataset and the published plans' dated occurrences;
`build_report` computes every figure (pure functions, one module per figure);
`scheduler.report.xlsx` lays the result out as a workbook.
"""

from scheduler.report.build import build_report
from scheduler.report.load import ReportError, report_input, school_year
from scheduler.report.model import Report, ReportInput, Target

__all__ = ["Report", "ReportError", "ReportInput", "Target", "build_report", "report_input", "school_year"]
