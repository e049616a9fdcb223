"""The demo steps of `manage.py demo` that set up the app's side against the sandbox: the demo stores
(`stores.py`) and, with `--connect`, a connected Zoho org (`zoho_connection.py`). The only sandbox code that may
import the product: it plays the person who fills in the app's forms."""
