"""Start the studio: ``python app.py`` (binds 0.0.0.0:7860 inside a Hugging Face Space)."""

from ui.app import main

if __name__ == "__main__":
    main()
