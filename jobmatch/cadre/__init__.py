"""The village cadre's pages: villages, households, laborers, matches, referrals and their outcomes."""
