def test_the_site_root_leads_to_the_dashboard(client, owner):
    assert client.get("/")["Location"].startswith("/accounts/login/")
    client.force_login(owner)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.status_code == 200
