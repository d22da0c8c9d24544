"""Workbook output: a pure layout (``layout``) and the only module that touches the xlsx library (``writer``)."""
