"""The model layer: between the pure engine and the views.

drivers (assumptions -> arrays), the catalogue of line items, metrics, checks and calibration
anchors (each with its engine function, spreadsheet formula, label, unit and format, defined
once), and ``run(drivers) -> Result``. Imports the engine and the assumptions, never the views.
"""
