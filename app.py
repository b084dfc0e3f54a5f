"""Entry point: `app` for gunicorn and `flask --app app`; `python app.py` serves it."""

import os

from roadmap import create_app
from roadmap.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        allow_unsafe_werkzeug=True,
    )
