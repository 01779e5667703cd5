def by_slug(page) -> list[str]:
    return [f"slug:{page.slug}"]
