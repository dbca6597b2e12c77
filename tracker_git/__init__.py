"""tracker-git: ties git to Yandex Tracker. Kept empty: hooks import this package."""
