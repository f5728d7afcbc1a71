"""The versioned REST API of the mobile app: thin views over the domain apps' services and selectors."""
