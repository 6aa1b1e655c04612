"""The allocation engine: pure functions over plain, frozen data.

No I/O, no clock, no logging, no database or web imports (an import-linter contract keeps
it so). Time is whole minutes from the day's origin (for a benchmark instance: the
service's opening), so the engine never needs a timezone.
"""
