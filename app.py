"""Entry point: `app` for gunicorn and `flask --app app`; `python app.py` serves it."""

import os

from roadmap import create_app, prepare_for_serving
from roadmap.extensions import socketio

app = create_app()
prepare_for_serving(app)

if __name__ == "__main__":
    socketio.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        allow_unsafe_werkzeug=True,
    )
