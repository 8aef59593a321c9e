"""The Streamlit user interface: one module per page, run by ``app.py``'s ``st.navigation``.

Streamlit is imported only here and in ``app.py``. Each page module draws itself when Streamlit
runs it as a page and does nothing when imported, so tests and type checks can import it.
"""
