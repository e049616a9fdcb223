"""The sandbox: emulators of the outside services (Zoho Accounts + CRM in `zoho/`, WooCommerce and Magento 2 in
`stores/`), their pages, and the demo (`demo/`, `manage.py demo`). Installed only while SANDBOX_ENABLED is on; the
product (config, integrations, syncs) never imports it."""
